package com.infosysta.gateway.guard;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.junit.jupiter.api.Assertions.assertTimeout;

final class ClientAddressesTest {

	private static final String XFF = "X-Forwarded-For";

	private final ClientAddresses behindLoadBalancer = new ClientAddresses(List.of("10.0.0.0/8"));

	@Test
	void withoutTrustedProxiesTheSocketPeerIsTheClientWhateverTheHeaderSays() {
		ClientAddresses direct = new ClientAddresses(List.of());

		MockServerHttpRequest request = request(ipv4(203, 0, 113, 5), "1.2.3.4", "5.6.7.8");

		assertThat(direct.clientKey(request)).isEqualTo("203.0.113.5");
	}

	@Test
	void anUntrustedPeerIsTheClientWhateverTheHeaderSays() {
		MockServerHttpRequest request = request(ipv4(203, 0, 113, 5), "1.2.3.4, 10.0.0.7");

		assertThat(this.behindLoadBalancer.clientKey(request)).isEqualTo("203.0.113.5");
	}

	@Test
	void behindATrustedPeerTheRightMostUntrustedHopIsTheClient() {
		MockServerHttpRequest request = request(ipv4(10, 0, 0, 1), "1.2.3.4, 5.6.7.8, 10.0.0.7");

		assertThat(this.behindLoadBalancer.clientKey(request)).isEqualTo("5.6.7.8");
	}

	@Test
	void walksSeveralHeaderLinesFromTheLastOne() {
		MockServerHttpRequest twoLines = request(ipv4(10, 0, 0, 1), "1.2.3.4", "5.6.7.8, 10.0.0.7");
		MockServerHttpRequest trustedOnlyInTheLastLine = request(ipv4(10, 0, 0, 1), "1.2.3.4, 10.0.0.9", "10.0.0.7");

		assertThat(this.behindLoadBalancer.clientKey(twoLines)).isEqualTo("5.6.7.8");
		assertThat(this.behindLoadBalancer.clientKey(trustedOnlyInTheLastLine)).isEqualTo("1.2.3.4");
	}

	@Test
	void whenEveryHopIsATrustedProxyThePeerIsTheClient() {
		MockServerHttpRequest request = request(ipv4(10, 0, 0, 1), "10.9.9.9, 10.0.0.7");

		assertThat(this.behindLoadBalancer.clientKey(request)).isEqualTo("10.0.0.1");
	}

	@Test
	void withoutTheHeaderATrustedPeerIsTheClient() {
		MockServerHttpRequest request = request(ipv4(10, 0, 0, 1));

		assertThat(this.behindLoadBalancer.clientKey(request)).isEqualTo("10.0.0.1");
	}

	@ParameterizedTest(name = "[{0}]")
	@ValueSource(strings = { "evil.example", "1.2.3.4.5", "[::1", "localhost", "", "unknown", "1.2.3", "256.1.1.1",
			"1.2.3.-4", "::1%lo", "fe80::1%eth0", "2001:db8::g", "1.2.3.4:5678:9", ":::", "[evil.example]:80",
			".1.2.3.4", "0x7f.0.0.1", "1.2.3.4 5.6.7.8" })
	void aHopThatIsNoAddressStopsTheWalkAndThePeerIsTheClient(String garbage) {
		MockServerHttpRequest request = request(ipv4(10, 0, 0, 1), "1.2.3.4, " + garbage + ", 10.0.0.7");

		assertThat(this.behindLoadBalancer.clientKey(request)).isEqualTo("10.0.0.1");
	}

	/**
	 * "localhost" would resolve to a loopback address, which is no trusted proxy here and would therefore be taken
	 * as the client: that the peer is used instead shows the name was never looked up.
	 */
	@Test
	void namesInTheHeaderAreNeverLookedUp() {
		MockServerHttpRequest request = request(ipv4(10, 0, 0, 1), "localhost");

		assertThat(this.behindLoadBalancer.clientKey(request)).isEqualTo("10.0.0.1");
	}

	/**
	 * Unique names under {@code .invalid} (RFC 6761) miss every resolver cache: a lookup of even a few of them
	 * would take far longer than this. Run on a non-blocking thread, so BlockHound reports any blocking call the
	 * parse makes on the way (the JDK's native name lookup itself is not one of BlockHound's built-in checks).
	 */
	@Test
	void parsingThousandsOfNamedHopsIsFastAndDoesNotBlock() {
		List<MockServerHttpRequest> requests = new ArrayList<>();
		for (int i = 0; i < 2_000; i++) {
			requests.add(request(ipv4(10, 0, 0, 1), "5.6.7.8, h" + UUID.randomUUID() + "-" + i + ".invalid"));
		}

		assertTimeout(Duration.ofSeconds(2), () -> {
			List<String> keys = Mono.fromCallable(() -> requests.stream().map(this.behindLoadBalancer::clientKey).toList())
				.subscribeOn(Schedulers.parallel())
				.block(Duration.ofSeconds(10));
			assertThat(keys).hasSize(2_000).containsOnly("10.0.0.1");
		});
	}

	@Test
	void keysAnIpv6ClientByItsSlash64() throws UnknownHostException {
		ClientAddresses direct = new ClientAddresses(List.of());

		String first = direct.clientKey(request(ipv6("20010db800010002aaaa000000000001")));
		String second = direct.clientKey(request(ipv6("20010db800010002bbbb000000000002")));
		String otherNetwork = direct.clientKey(request(ipv6("20010db800010003aaaa000000000001")));

		assertThat(first).isEqualTo("2001:db8:1:2::/64").isEqualTo(second);
		assertThat(otherNetwork).isEqualTo("2001:db8:1:3::/64");
	}

	@Test
	void keysAnIpv6HopByItsSlash64() {
		MockServerHttpRequest request = request(ipv4(10, 0, 0, 1), "2001:db8:1:2:aaaa::1, 10.0.0.7");

		assertThat(this.behindLoadBalancer.clientKey(request)).isEqualTo("2001:db8:1:2::/64");
	}

	@Test
	void dropsThePortOfAnIpv4Hop() {
		MockServerHttpRequest request = request(ipv4(10, 0, 0, 1), "1.2.3.4:5678");

		assertThat(this.behindLoadBalancer.clientKey(request)).isEqualTo("1.2.3.4");
	}

	@Test
	void readsABracketedIpv6HopWithAPort() {
		MockServerHttpRequest withPort = request(ipv4(10, 0, 0, 1), "[2001:db8:1:2::7]:443");
		MockServerHttpRequest withoutPort = request(ipv4(10, 0, 0, 1), "[2001:db8:1:2::8]");

		assertThat(this.behindLoadBalancer.clientKey(withPort)).isEqualTo("2001:db8:1:2::/64");
		assertThat(this.behindLoadBalancer.clientKey(withoutPort)).isEqualTo("2001:db8:1:2::/64");
	}

	@Test
	void keysAnIpv4MappedHopAsIpv4() {
		MockServerHttpRequest request = request(ipv4(10, 0, 0, 1), "::ffff:1.2.3.4");

		assertThat(this.behindLoadBalancer.clientKey(request)).isEqualTo("1.2.3.4");
	}

	@Test
	void trustsAnIpv6LoadBalancerRange() throws UnknownHostException {
		ClientAddresses addresses = new ClientAddresses(List.of("2001:db8:ffff::/48"));

		MockServerHttpRequest trusted = request(ipv6("20010db8ffff00000000000000000001"), "198.51.100.7");
		MockServerHttpRequest untrusted = request(ipv6("20010db8fffe00000000000000000001"), "198.51.100.7");

		assertThat(addresses.clientKey(trusted)).isEqualTo("198.51.100.7");
		assertThat(addresses.clientKey(untrusted)).isEqualTo("2001:db8:fffe:0::/64");
	}

	@Test
	void trustsASingleAddressAndPrefixesThatAreNotWholeBytes() {
		ClientAddresses addresses = new ClientAddresses(List.of("10.1.2.3", "192.168.0.0/22"));

		assertThat(addresses.clientKey(request(ipv4(10, 1, 2, 3), "1.2.3.4"))).isEqualTo("1.2.3.4");
		assertThat(addresses.clientKey(request(ipv4(10, 1, 2, 4), "1.2.3.4"))).isEqualTo("10.1.2.4");
		assertThat(addresses.clientKey(request(ipv4(192, 168, 3, 255), "1.2.3.4"))).isEqualTo("1.2.3.4");
		assertThat(addresses.clientKey(request(ipv4(192, 168, 4, 0), "1.2.3.4"))).isEqualTo("192.168.4.0");
	}

	@Test
	void anUnknownPeerHasNoKey() {
		assertThat(this.behindLoadBalancer.clientKey(MockServerHttpRequest.get("/").header(XFF, "1.2.3.4").build()))
			.isNull();
	}

	@ParameterizedTest(name = "[{0}]")
	@ValueSource(strings = { "10.0.0.0/33", "nope", "10.0.0.0/x", "10.0.0.0/-1", "10.0.0.0/", "", "/8", "::/129",
			"1.2.3", "10.0.0.256/8", "evil.example/8" })
	void rejectsABadTrustedProxyNamingTheEntry(String bad) {
		assertThatIllegalArgumentException().isThrownBy(() -> new ClientAddresses(List.of("10.0.0.0/8", bad)))
			.withMessageStartingWith("infosysta.gateway.trusted-proxies[1]: '" + bad + "'");
	}

	private static MockServerHttpRequest request(InetAddress peer, String... forwardedFor) {
		MockServerHttpRequest.BaseBuilder<?> builder = MockServerHttpRequest.get("/")
			.remoteAddress(new InetSocketAddress(peer, 1234));
		if (forwardedFor.length > 0) {
			builder.header(XFF, forwardedFor);
		}
		return builder.build();
	}

	private static InetAddress ipv4(int a, int b, int c, int d) {
		try {
			return InetAddress.getByAddress(new byte[] { (byte) a, (byte) b, (byte) c, (byte) d });
		}
		catch (UnknownHostException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static InetAddress ipv6(String hex) throws UnknownHostException {
		return InetAddress.getByAddress(HexFormat.of().parseHex(hex));
	}

}
