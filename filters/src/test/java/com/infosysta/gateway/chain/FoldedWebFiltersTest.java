package com.infosysta.gateway.chain;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

final class FoldedWebFiltersTest {

	private final List<String> calls = new ArrayList<>();

	private final MockServerWebExchange exchange = MockServerWebExchange
		.from(MockServerHttpRequest.get("/jira/acme/rest/api/2/myself"));

	private final WebFilterChain rest = exchange -> {
		this.calls.add("rest");
		return Mono.empty();
	};

	@Test
	void foldsEachRunOfOwnFiltersAndKeepsForeignOnesInPlace() {
		WebFilter a = new Recording("a");
		WebFilter b = new Recording("b");
		WebFilter foreign = new Foreign();
		WebFilter c = new Recording("c");
		WebFilter d = new Recording("d");
		WebFilter e = new Recording("e");

		List<WebFilter> folded = FoldedWebFilters.fold(List.of(a, b, foreign, c, d, e), Recording.class::isInstance);

		assertThat(folded).hasSize(3);
		assertThat(folded.get(0)).isInstanceOf(FoldedWebFilters.class);
		assertThat(folded.get(1)).isSameAs(foreign);
		assertThat(folded.get(2)).isInstanceOf(FoldedWebFilters.class);
		assertThat(folded.get(0)).hasToString("FoldedWebFilters[Recording, Recording]");
	}

	@Test
	void leavesALoneFilterUnwrapped() {
		WebFilter a = new Recording("a");
		WebFilter foreign = new Foreign();

		assertThat(FoldedWebFilters.fold(List.of(foreign, a), Recording.class::isInstance)).containsExactly(foreign,
				a);
	}

	@Test
	void runsTheFoldedFiltersInOrderThenTheRestOfTheChain() {
		WebFilter folded = single(new Recording("a"), new Recording("b"), new Recording("c"));

		StepVerifier.create(folded.filter(this.exchange, this.rest)).verifyComplete();

		assertThat(this.calls).containsExactly("a", "b", "c", "rest");
	}

	@Test
	void startsTheNextFilterOnlyWhenThePreviousOneSubscribesToIt() {
		Sinks.Empty<Void> gate = Sinks.empty();
		WebFilter waiting = (exchange, chain) -> {
			this.calls.add("waiting");
			return gate.asMono().then(chain.filter(exchange));
		};
		WebFilter folded = single(waiting, new Recording("after"));

		StepVerifier.create(folded.filter(this.exchange, this.rest))
			.then(() -> assertThat(this.calls).containsExactly("waiting"))
			.then(gate::tryEmitEmpty)
			.verifyComplete();

		assertThat(this.calls).containsExactly("waiting", "after", "rest");
	}

	@Test
	void aFilterThatAnswersItselfEndsTheChain() {
		WebFilter refusing = (exchange, chain) -> {
			this.calls.add("refusing");
			exchange.getResponse().setStatusCode(HttpStatus.FORBIDDEN);
			return exchange.getResponse().setComplete();
		};
		WebFilter folded = single(new Recording("a"), refusing, new Recording("never"));

		StepVerifier.create(folded.filter(this.exchange, this.rest)).verifyComplete();

		assertThat(this.calls).containsExactly("a", "refusing");
		assertThat(this.exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);
	}

	@Test
	void passesOnAnErrorOfAFoldedFilter() {
		WebFilter failing = (exchange, chain) -> Mono.error(new IllegalStateException("boom"));
		WebFilter folded = single(new Recording("a"), failing);

		StepVerifier.create(folded.filter(this.exchange, this.rest)).verifyErrorMessage("boom");

		assertThat(this.calls).containsExactly("a");
	}

	@Test
	void refusesToFoldNothing() {
		assertThatIllegalArgumentException().isThrownBy(() -> new FoldedWebFilters(List.of()))
			.withMessageContaining("filters: []");
	}

	private static WebFilter single(WebFilter... filters) {
		List<WebFilter> folded = FoldedWebFilters.fold(List.of(filters), filter -> true);
		assertThat(folded).hasSize(1);
		return folded.get(0);
	}

	private final class Recording implements WebFilter {

		private final String name;

		Recording(String name) {
			this.name = name;
		}

		@Override
		public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
			FoldedWebFiltersTest.this.calls.add(this.name);
			return chain.filter(exchange);
		}

	}

	private static final class Foreign implements WebFilter {

		@Override
		public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
			return chain.filter(exchange);
		}

	}

}
