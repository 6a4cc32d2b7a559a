package com.infosysta.gateway.tenant;

import java.net.InetAddress;
import java.net.UnknownHostException;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

final class UpstreamAddressRulesTest {

	private static final UpstreamAddressRules LENIENT = new UpstreamAddressRules(false, true);

	@ParameterizedTest
	@ValueSource(strings = { "8.8.8.8", "1.1.1.1", "13.107.42.14", "2606:4700:4700::1111", "172.32.0.1",
			"172.15.255.255", "100.128.0.1", "100.63.255.255", "192.169.0.1", "169.255.0.1", "11.0.0.1",
			"126.255.255.255", "223.255.255.254", "2a00:1450:4001:80b::200e", "::ffff:8.8.8.8",
			"64:ff9b::808:808", "2002:808:808::1" })
	void treatsPublicAddressAsAllowed(String literal) throws UnknownHostException {
		InetAddress address = literal(literal);

		assertThat(UpstreamAddressRules.isPublic(address)).isTrue();
		assertThat(UpstreamAddressRules.STRICT.isAllowed(address)).isTrue();
	}

	@ParameterizedTest
	@ValueSource(strings = { "0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.255", "100.64.0.1", "100.100.100.200",
			"100.127.255.255", "127.0.0.1", "127.255.255.254", "169.254.169.254", "172.16.0.1", "172.31.255.255",
			"192.168.1.1", "192.0.0.8", "192.0.2.1", "198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9",
			"224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255", "::", "::1", "::ffff:127.0.0.1",
			"::ffff:10.0.0.1", "::ffff:169.254.169.254", "::127.0.0.1", "::10.0.0.1", "fc00::1", "fd00:ec2::254",
			"fe80::1", "febf::1", "fec0::1", "ff02::1", "ff0e::1", "64:ff9b::7f00:1", "64:ff9b::a00:1",
			"64:ff9b:1::7f00:1", "2002:7f00:1::", "2002:a9fe:a9fe::1", "2001:db8::1", "100::1" })
	void treatsNonPublicAddressAsRefusedUnderStrictRules(String literal) throws UnknownHostException {
		InetAddress address = literal(literal);

		assertThat(UpstreamAddressRules.isPublic(address)).isFalse();
		assertThat(UpstreamAddressRules.STRICT.isAllowed(address)).isFalse();
	}

	@ParameterizedTest
	@ValueSource(strings = { "::ffff:0:127.0.0.1", "::ffff:0:10.0.0.1", "::1:0:0:1" })
	void treatsAddressesInReservedZeroBlockAsNonPublic(String literal) throws UnknownHostException {
		// ::/8 is reserved by the IETF; ::ffff:0:0/96 carries an IPv4 address for SIIT translators.
		assertThat(UpstreamAddressRules.isPublic(literal(literal))).isFalse();
	}

	@ParameterizedTest
	@ValueSource(strings = { "8.8.8.8", "127.0.0.1", "10.0.0.1", "169.254.169.254", "::1", "fd00:ec2::254",
			"fe80::1", "ff02::1", "2001:db8::1" })
	void allowsEveryAddressWhenPrivateAddressesAreAllowed(String literal) throws UnknownHostException {
		assertThat(LENIENT.isAllowed(literal(literal))).isTrue();
	}

	/** Literals only: {@code getByName} parses them without a DNS lookup. */
	private static InetAddress literal(String literal) throws UnknownHostException {
		return InetAddress.getByName(literal);
	}

}
