package com.infosysta.gateway.upstream;

import java.net.URI;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import com.infosysta.gateway.guard.PathCheck;
import com.infosysta.gateway.guard.RandomPaths;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Properties of the upstream URI over seeded random hostile paths ({@link RandomPaths}): for any path, either the
 * path check refuses it (400), or the URI built for the tenant stays under the tenant's base path and carries
 * exactly the segments the client sent. Every failure names its seed and path.
 */
final class UpstreamTargetPropertiesTest {

	private static final String GATEWAY_PATH = "/jira/acme";

	/** A Server/DC tenant with a context path, and a Cloud tenant's OAuth base on Atlassian's API host. */
	private static final List<String> BASES = List.of("https://jira.example.com/ctx",
			"http://127.0.0.1:8080/ctx", "https://api.atlassian.com/ex/jira/5c3fa0e2-8d1b-4a47-9c1e-6f0d2b7a9e11");

	static LongStream acceptedPathsStayUnderTheTenantsBasePath() {
		return RandomPaths.seeds("acceptedPathsStayUnderTheTenantsBasePath");
	}

	/**
	 * The URI keeps the registry's scheme, host and port, its path is the base path followed by '/' and the
	 * client's raw path, no dot segment survives normalisation (a normalising upstream reads the same path), and
	 * nothing becomes a query or fragment.
	 */
	@ParameterizedTest(name = "seed {0}")
	@MethodSource
	void acceptedPathsStayUnderTheTenantsBasePath(long seed) {
		Random random = new Random(seed);
		int built = 0;
		for (int run = 0; run < RandomPaths.PER_SEED; run++) {
			String rest = RandomPaths.rest(random);
			if (PathCheck.problem(GATEWAY_PATH + rest) != null) {
				continue;
			}
			String base = BASES.get(random.nextInt(BASES.size()));
			URI baseUri = URI.create(base);
			URI target = target(base, rest, seed);
			String context = context(seed, rest, base);
			assertThat(target.getScheme()).as(context).isEqualTo(baseUri.getScheme());
			assertThat(target.getRawAuthority()).as(context).isEqualTo(baseUri.getRawAuthority());
			assertThat(target.getRawPath()).as(context).startsWith(baseUri.getRawPath() + "/")
				.isEqualTo(baseUri.getRawPath() + rest);
			assertThat(target.normalize().getRawPath()).as(context).isEqualTo(target.getRawPath());
			assertThat(target.getRawQuery()).as(context).isNull();
			assertThat(target.getRawFragment()).as(context).isNull();
			built++;
		}
		assertThat(built).as("URIs built for seed " + seed).isGreaterThan(20);
	}

	static LongStream acceptedPathsReachTheUpstreamAsTheSameSegments() {
		return RandomPaths.seeds("acceptedPathsReachTheUpstreamAsTheSameSegments");
	}

	/**
	 * Decoded once, the upstream path below the base is the same list of segments as the client's path below
	 * the gateway path: nothing is added, dropped, merged or split on the way.
	 */
	@ParameterizedTest(name = "seed {0}")
	@MethodSource
	void acceptedPathsReachTheUpstreamAsTheSameSegments(long seed) {
		Random random = new Random(seed);
		for (int run = 0; run < RandomPaths.PER_SEED; run++) {
			String rest = RandomPaths.rest(random);
			if (PathCheck.problem(GATEWAY_PATH + rest) != null) {
				continue;
			}
			String base = BASES.get(random.nextInt(BASES.size()));
			String basePath = URI.create(base).getRawPath();
			URI target = target(base, rest, seed);
			String upstreamRest = target.getRawPath().substring(basePath.length());
			List<String> sent = RandomPaths.decodedSegments(rest);
			assertThat(sent).as(context(seed, rest, base)).isNotNull();
			assertThat(RandomPaths.decodedSegments(upstreamRest)).as(context(seed, rest, base))
				.isEqualTo(sent);
			assertThat(target.getPath()).as(context(seed, rest, base))
				.isEqualTo(URI.create(base).getPath() + "/" + String.join("/", sent));
		}
	}

	private static URI target(String base, String rest, long seed) {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get(GATEWAY_PATH));
		boolean set = UpstreamTarget.set(exchange, base, rest, null, GATEWAY_PATH);
		assertThat(set).as("no URI for an accepted path: " + context(seed, rest, base)).isTrue();
		URI target = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
		assertThat(target).isNotNull();
		return target;
	}

	private static String context(long seed, String rest, String base) {
		return "seed " + seed + " (base seed " + RandomPaths.BASE_SEED + "), path '" + RandomPaths.show(rest)
				+ "' under " + base;
	}

}
