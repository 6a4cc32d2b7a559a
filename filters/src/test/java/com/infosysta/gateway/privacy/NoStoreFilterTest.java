package com.infosysta.gateway.privacy;

import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseCookie;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.WebFilterChain;

import static org.assertj.core.api.Assertions.assertThat;

final class NoStoreFilterTest {

	private final NoStoreFilter filter = new NoStoreFilter();

	private final MockServerWebExchange exchange = MockServerWebExchange
		.from(MockServerHttpRequest.get("/jira/acme/rest/api/2/myself"));

	@Test
	void replacesCacheControlAndDropsSetCookieSetByTheChain() {
		AtomicBoolean chainCalled = new AtomicBoolean();
		WebFilterChain chain = exchange -> {
			chainCalled.set(true);
			HttpHeaders headers = exchange.getResponse().getHeaders();
			headers.add(HttpHeaders.SET_COOKIE, "JSESSIONID=abc; Path=/; HttpOnly");
			headers.add(HttpHeaders.SET_COOKIE, "atlassian.xsrf.token=xyz");
			headers.add("Set-Cookie2", "old=1");
			headers.set(HttpHeaders.CACHE_CONTROL, "max-age=60");
			return exchange.getResponse().setComplete();
		};

		StepVerifier.create(this.filter.filter(this.exchange, chain)).verifyComplete();

		assertThat(chainCalled).isTrue();
		assertThat(this.exchange.getResponse().isCommitted()).isTrue();
		HttpHeaders committed = this.exchange.getResponse().getHeaders();
		assertThat(committed.get(HttpHeaders.CACHE_CONTROL)).containsExactly("no-store");
		assertThat(committed.containsHeader(HttpHeaders.SET_COOKIE)).isFalse();
		assertThat(committed.containsHeader("Set-Cookie2")).isFalse();
	}

	@Test
	void addsNoStoreToAnswerWithoutCacheControl() {
		WebFilterChain chain = exchange -> exchange.getResponse().setComplete();

		StepVerifier.create(this.filter.filter(this.exchange, chain)).verifyComplete();

		assertThat(this.exchange.getResponse().getHeaders().get(HttpHeaders.CACHE_CONTROL)).containsExactly("no-store");
	}

	@Test
	void dropsCookiesAddedThroughTheResponseCookieApi() {
		WebFilterChain chain = exchange -> {
			exchange.getResponse().addCookie(ResponseCookie.from("SESSION", "abc").path("/").build());
			return exchange.getResponse().setComplete();
		};

		StepVerifier.create(this.filter.filter(this.exchange, chain)).verifyComplete();

		assertThat(this.exchange.getResponse().getHeaders().containsHeader(HttpHeaders.SET_COOKIE)).isFalse();
	}

	@Test
	void appliesWhenResponseCommitsAfterTheChainReturned() {
		WebFilterChain chain = exchange -> {
			exchange.getResponse().getHeaders().set(HttpHeaders.CACHE_CONTROL, "max-age=60");
			return Mono.empty();
		};

		StepVerifier.create(this.filter.filter(this.exchange, chain)).verifyComplete();

		assertThat(this.exchange.getResponse().isCommitted()).isFalse();
		StepVerifier.create(this.exchange.getResponse().setComplete()).verifyComplete();
		assertThat(this.exchange.getResponse().getHeaders().get(HttpHeaders.CACHE_CONTROL)).containsExactly("no-store");
	}

}
