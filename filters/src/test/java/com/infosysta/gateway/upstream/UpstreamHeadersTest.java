package com.infosysta.gateway.upstream;

import java.util.Map;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import org.junit.jupiter.api.Test;

import org.springframework.http.HttpHeaders;
import org.springframework.http.support.Netty4HeadersAdapter;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import com.infosysta.gateway.observe.CallTimings;
import com.infosysta.gateway.observe.TraceContext;
import com.infosysta.gateway.problem.ProblemResponseWriter;

import static org.assertj.core.api.Assertions.assertThat;

final class UpstreamHeadersTest {

	private final MockServerWebExchange exchange = MockServerWebExchange
		.from(MockServerHttpRequest.get("/jira/acme/rest/api/2/myself"));

	@Test
	void keepsEndToEndFieldsAndDropsEveryHopByHopOneAndWhatConnectionNames() {
		HttpHeaders client = new HttpHeaders();
		client.add(HttpHeaders.ACCEPT, "application/json");
		client.add("X-Atlassian-Token", "no-check");
		client.add(HttpHeaders.CONNECTION, "keep-alive, X-Secret-Hop");
		client.add("X-Secret-Hop", "1");
		client.add("Keep-Alive", "timeout=5");
		client.add("Proxy-Connection", "keep-alive");
		client.add("Proxy-Authorization", "Basic cHJveHk6cHc=");
		client.add("TE", "trailers");
		client.add("Trailer", "Expires");
		client.add("Upgrade", "websocket");
		client.add(HttpHeaders.HOST, "gateway.example");

		HttpHeaders sent = forUpstream(client);

		assertThat(sent.headerNames()).containsExactlyInAnyOrder("Accept", "X-Atlassian-Token");
	}

	@Test
	void dropsWhatAClientClaimsAboutItselfAndWhatWouldSpeakForTheGateway() {
		HttpHeaders client = new HttpHeaders();
		client.add("Forwarded", "for=10.0.0.1");
		client.add("X-Forwarded-For", "10.0.0.1");
		client.add("x-forwarded-host", "evil.example");
		client.add("X-Real-IP", "10.0.0.1");
		client.add("X-Infosysta-Identity", "forged");
		client.add("X-HTTP-Method-Override", "DELETE");
		client.add("x-method-override", "DELETE");
		client.add("X-Http-Method", "DELETE");
		client.add(HttpHeaders.COOKIE, "JSESSIONID=abc");
		client.add("x-forge-oauth-system", "token");
		client.add("X-Request-Id", "client-chosen");
		client.add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
		client.add(HttpHeaders.ACCEPT, "*/*");
		this.exchange.getAttributes().put(ProblemResponseWriter.REQUEST_ID_ATTRIBUTE, "gateway-id");

		HttpHeaders sent = forUpstream(client);

		assertThat(sent.headerNames()).containsExactlyInAnyOrder("Accept", "X-Request-Id");
		assertThat(sent.get("X-Request-Id")).containsExactly("gateway-id");
	}

	@Test
	void dropsContentLengthBesideATransferEncodingSoTheBodyIsFramedOnce() {
		HttpHeaders client = new HttpHeaders();
		client.add(HttpHeaders.TRANSFER_ENCODING, "chunked");
		client.add(HttpHeaders.CONTENT_LENGTH, "5");
		client.add(HttpHeaders.CONTENT_TYPE, "application/json");

		HttpHeaders sent = forUpstream(client);

		assertThat(sent.headerNames()).containsExactly("Content-Type");
	}

	@Test
	void keepsContentLengthAlone() {
		HttpHeaders client = new HttpHeaders();
		client.add(HttpHeaders.CONTENT_LENGTH, "5");

		assertThat(forUpstream(client).get(HttpHeaders.CONTENT_LENGTH)).containsExactly("5");
	}

	@Test
	void sendsAFieldGivenInTwoSpellingsOnceWithAllItsValues() {
		// As Netty hands them over: each line as sent, names in the client's spelling.
		HttpHeaders client = new HttpHeaders(
				new Netty4HeadersAdapter(new DefaultHttpHeaders().add("X-Custom", "a").add("x-custom", "b")));

		HttpHeaders sent = forUpstream(client);

		assertThat(sent.get("X-Custom")).containsExactly("a", "b");
	}

	@Test
	void setsTheChosenCredentialLastSoNoClientFieldCanRemoveOrForgeIt() {
		HttpHeaders client = new HttpHeaders();
		client.add(HttpHeaders.AUTHORIZATION, "JWT client.token");
		client.add(HttpHeaders.CONNECTION, "X-Infosysta-Identity");
		client.add("X-Forge-OAuth-User", "user-token");
		this.exchange.getAttributes()
			.put(OutboundCredential.ATTRIBUTE,
					new OutboundCredential("JWT gateway.token", Map.of("X-Infosysta-Identity", "signed"), true));

		HttpHeaders sent = forUpstream(client);

		assertThat(sent.get(HttpHeaders.AUTHORIZATION)).containsExactly("JWT gateway.token");
		assertThat(sent.get("X-Infosysta-Identity")).containsExactly("signed");
		assertThat(sent.get("X-Forge-OAuth-User")).containsExactly("user-token");
	}

	@Test
	void passesTheClientsAuthorizationWhenTheUpstreamStepChoseNone() {
		HttpHeaders client = new HttpHeaders();
		client.add(HttpHeaders.AUTHORIZATION, "Basic dXNlcjpwdw==");

		assertThat(forUpstream(client).get(HttpHeaders.AUTHORIZATION)).containsExactly("Basic dXNlcjpwdw==");
	}

	@Test
	void givesTheUpstreamTheGatewaysTraceContext() {
		TraceContext trace = TraceContext.continueOrStart(null, null, 1.0);
		this.exchange.getAttributes().put(CallTimings.ATTRIBUTE, new CallTimings(System.nanoTime(), trace));

		HttpHeaders sent = forUpstream(new HttpHeaders());

		assertThat(sent.get(TraceContext.TRACEPARENT)).containsExactly(trace.traceparent());
	}

	@Test
	void returnsTheUpstreamsFieldsWithoutHopByHopOnesOrCookies() {
		DefaultHttpHeaders upstream = new DefaultHttpHeaders();
		upstream.add("Content-Type", "application/json");
		upstream.add("Content-Length", "42");
		upstream.add("X-AREQUESTID", "123");
		upstream.add("Vary", "Accept");
		upstream.add("Vary", "Accept-Encoding");
		upstream.add("Connection", "close, X-Upstream-Hop");
		upstream.add("X-Upstream-Hop", "1");
		upstream.add("Keep-Alive", "timeout=5");
		upstream.add("Transfer-Encoding", "chunked");
		upstream.add("Set-Cookie", "JSESSIONID=abc");
		upstream.add("set-cookie2", "old=1");
		HttpHeaders answer = new HttpHeaders();
		answer.add("RateLimit", "\"tenant\";r=99;t=1");

		UpstreamHeaders.toClient(upstream, answer, this.exchange);

		assertThat(answer.headerNames()).containsExactlyInAnyOrder("RateLimit", "Content-Type", "Content-Length",
				"X-AREQUESTID", "Vary");
		assertThat(answer.get("Vary")).containsExactly("Accept", "Accept-Encoding");
	}

	@Test
	void returnsNoCorsFieldOfTheUpstreamWhateverItsName() {
		DefaultHttpHeaders upstream = new DefaultHttpHeaders();
		upstream.add("Content-Type", "application/json");
		upstream.add("Access-Control-Allow-Origin", "*");
		upstream.add("access-control-allow-credentials", "true");
		upstream.add("Access-Control-Allow-Private-Network", "true");
		upstream.add("ACCESS-CONTROL-EXPOSE-HEADERS", "Set-Cookie");
		HttpHeaders answer = new HttpHeaders();

		UpstreamHeaders.toClient(upstream, answer, this.exchange);

		assertThat(answer.headerNames()).containsExactly("Content-Type");
	}

	@Test
	void rewritesALocationUnderTheUpstreamBaseToTheGatewaysPath() {
		assertThat(locationForClient("https://jira.acme.example/jira/rest/api/2/issue/10001"))
			.isEqualTo("/jira/acme/rest/api/2/issue/10001");
	}

	@Test
	void passesALocationElsewhereUnchanged() {
		assertThat(locationForClient("https://id.atlassian.com/login")).isEqualTo("https://id.atlassian.com/login");
	}

	/** The {@code Location} the client gets for the upstream's, on a call to acme's Jira under {@code /jira}. */
	private String locationForClient(String location) {
		this.exchange.getAttributes()
			.put(UpstreamBase.ATTRIBUTE, new UpstreamBase("https://jira.acme.example/jira", "/jira/acme"));
		DefaultHttpHeaders upstream = new DefaultHttpHeaders();
		upstream.add("Location", location);
		HttpHeaders answer = new HttpHeaders();
		UpstreamHeaders.toClient(upstream, answer, this.exchange);
		return answer.getFirst(HttpHeaders.LOCATION);
	}

	private HttpHeaders forUpstream(HttpHeaders client) {
		DefaultHttpHeaders sent = new DefaultHttpHeaders();
		UpstreamHeaders.forUpstream(client, this.exchange, sent);
		return new HttpHeaders(new Netty4HeadersAdapter(sent));
	}

}
