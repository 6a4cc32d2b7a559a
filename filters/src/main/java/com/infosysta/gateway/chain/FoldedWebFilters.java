package com.infosysta.gateway.chain;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import reactor.core.publisher.Mono;

import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Runs a sorted run of the gateway's own web filters as one web filter. Spring's filter chain wraps every web
 * filter it calls in a Reactor {@code checkpoint} named by the filter's {@code toString()} (an identity hash
 * and a string concatenation per filter and call) plus a {@code Mono.defer}; with nine filters on every call that
 * was measurable. Folded, Spring wraps only this one, and each folded filter is reached through a plain chain
 * that keeps the one property callers rely on: the next filter runs only when the previous one subscribes to
 * what {@link WebFilterChain#filter} returned, never earlier.
 * <p>
 * Order and behaviour are unchanged: the filters keep their relative order, and the rest of Spring's chain runs
 * after the last of them exactly as before. Cannot fail by itself.
 */
public final class FoldedWebFilters implements WebFilter {

	private final WebFilter[] filters;

	private final String name;

	FoldedWebFilters(List<WebFilter> filters) {
		if (filters.isEmpty()) {
			throw new IllegalArgumentException("filters: [] (expected: at least one web filter to fold)");
		}
		this.filters = filters.toArray(WebFilter[]::new);
		this.name = "FoldedWebFilters" + filters.stream().map(f -> f.getClass().getSimpleName()).toList();
	}

	/**
	 * Replaces, in Spring's sorted list of web filters, every run of consecutive filters that {@code ours}
	 * accepts with one folded filter at the run's place. A foreign filter between two of ours ends a run, so
	 * the overall order never changes.
	 */
	public static List<WebFilter> fold(List<WebFilter> sorted, Predicate<WebFilter> ours) {
		List<WebFilter> result = new ArrayList<>(sorted.size());
		List<WebFilter> run = new ArrayList<>();
		for (WebFilter filter : sorted) {
			if (ours.test(filter)) {
				run.add(filter);
				continue;
			}
			flush(run, result);
			result.add(filter);
		}
		flush(run, result);
		return result;
	}

	private static void flush(List<WebFilter> run, List<WebFilter> result) {
		if (run.size() == 1) {
			result.add(run.get(0));
		}
		else if (run.size() > 1) {
			result.add(new FoldedWebFilters(run));
		}
		run.clear();
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		return this.filters[0].filter(exchange, new Next(this.filters, 1, chain));
	}

	@Override
	public String toString() {
		// Spring names its checkpoint after this on every call: a constant, computed once.
		return this.name;
	}

	/** The chain handed to folded filter {@code index - 1}: the next folded filter, or the rest of Spring's. */
	private static final class Next implements WebFilterChain {

		private final WebFilter[] filters;

		private final int index;

		private final WebFilterChain rest;

		Next(WebFilter[] filters, int index, WebFilterChain rest) {
			this.filters = filters;
			this.index = index;
			this.rest = rest;
		}

		@Override
		public Mono<Void> filter(ServerWebExchange exchange) {
			if (this.index == this.filters.length) {
				return this.rest.filter(exchange);
			}
			return Mono.defer(() -> this.filters[this.index].filter(exchange,
					new Next(this.filters, this.index + 1, this.rest)));
		}

	}

}
