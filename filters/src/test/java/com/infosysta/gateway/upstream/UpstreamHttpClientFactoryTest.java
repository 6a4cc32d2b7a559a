package com.infosysta.gateway.upstream;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.infosysta.gateway.tenant.UpstreamAddressRules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

final class UpstreamHttpClientFactoryTest {

	@Test
	void keepsPublicAndDropsPrivateAddresses() throws UnknownHostException {
		InetSocketAddress loopback = address(127, 0, 0, 1);
		InetSocketAddress publicV4 = address(8, 8, 8, 8);
		InetSocketAddress metadata = address(169, 254, 169, 254);
		InetSocketAddress publicV6 = address(0x26, 0x06, 0x47, 0, 0x47, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11, 0x11);
		InetSocketAddress uniqueLocal = address(0xfd, 0, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54);

		List<SocketAddress> allowed = List.copyOf(UpstreamHttpClientFactory.allowedAddresses(
				UpstreamAddressRules.STRICT, List.of(loopback, publicV4, metadata, publicV6, uniqueLocal)));

		assertThat(allowed).containsExactly(publicV4, publicV6);
	}

	@Test
	void refusesWhenEveryAddressIsPrivate() throws UnknownHostException {
		List<InetSocketAddress> resolved = List.of(address(127, 0, 0, 1), address(10, 0, 0, 7),
				address(169, 254, 169, 254));

		assertThatExceptionOfType(UpstreamAddressNotAllowedException.class)
			.isThrownBy(() -> UpstreamHttpClientFactory.allowedAddresses(UpstreamAddressRules.STRICT, resolved))
			.withMessageContaining("'host'");
	}

	@Test
	void refusesUnresolvedAddresses() {
		List<InetSocketAddress> resolved = List.of(InetSocketAddress.createUnresolved("jira.example.com", 443));

		assertThatExceptionOfType(UpstreamAddressNotAllowedException.class)
			.isThrownBy(() -> UpstreamHttpClientFactory.allowedAddresses(UpstreamAddressRules.STRICT, resolved));
	}

	@Test
	void returnsInputUnchangedWhenPrivateAddressesAreAllowed() throws UnknownHostException {
		List<InetSocketAddress> resolved = List.of(address(127, 0, 0, 1), address(8, 8, 8, 8));

		List<? extends SocketAddress> allowed = UpstreamHttpClientFactory
			.allowedAddresses(new UpstreamAddressRules(false, true), resolved);

		assertThat(allowed).isSameAs(resolved);
	}

	private static InetSocketAddress address(int... octets) throws UnknownHostException {
		byte[] bytes = new byte[octets.length];
		for (int i = 0; i < octets.length; i++) {
			bytes[i] = (byte) octets[i];
		}
		return new InetSocketAddress(InetAddress.getByAddress("host", bytes), 443);
	}

}
