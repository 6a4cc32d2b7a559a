package com.infosysta.gateway.it;

import java.time.Duration;
import java.util.function.Consumer;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * A plain HTTP client for the tests, driving the gateway over real sockets from the test thread. It sends the
 * request target exactly as given (no re-encoding), follows no redirects and keeps whole small bodies only.
 */
final class TestClient {

	private final HttpClient client;

	/** A Basic credential for the tests' Jira tenants: the gateway checks its form, the stand-in Jira ignores it. */
	static final String BASIC = "Basic " + java.util.Base64.getEncoder()
		.encodeToString("mobile.user@example.com:api-token".getBytes(java.nio.charset.StandardCharsets.UTF_8));

	TestClient(int port) {
		this(port, headers -> {
		});
	}

	/** A client that sends these headers with every request (a test's own headers may replace them). */
	TestClient(int port, Consumer<HttpHeaders> defaults) {
		this.client = HttpClient.create(ConnectionProvider.builder("test-client").maxConnections(16).build())
			.headers(defaults)
			.baseUrl("http://127.0.0.1:" + port)
			.followRedirect(false)
			.disableRetry(true)
			.responseTimeout(Duration.ofSeconds(20));
	}

	Response get(String uri) {
		return send(HttpMethod.GET, uri, headers -> {
		});
	}

	Response get(String uri, Consumer<HttpHeaders> headers) {
		return send(HttpMethod.GET, uri, headers);
	}

	Response send(HttpMethod method, String uri, Consumer<HttpHeaders> headers) {
		Response response;
		try {
			response = this.client.headers(headers)
				.request(method)
				.uri(uri)
				.responseSingle((res, body) -> body.asString()
					.defaultIfEmpty("")
					.map(text -> new Response(res.status().code(), res.responseHeaders().copy(), text)))
				.block(Duration.ofSeconds(30));
		}
		catch (RuntimeException ex) {
			if (ThreadDump.isTimeout(ex)) {
				ThreadDump.print(method + " " + uri + " got no answer: " + ex);
			}
			throw ex;
		}
		if (response == null) {
			throw new AssertionError("no response for " + method + " " + uri);
		}
		return response;
	}

	record Response(int status, HttpHeaders headers, String body) {

		String header(String name) {
			return this.headers.get(name);
		}

	}

}
