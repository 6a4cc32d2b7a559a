package com.infosysta.gateway.guard;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * Who the client is, for limits keyed by address: the socket peer, unless the peer is one of the configured
 * load balancers ({@code trusted-proxies}); then the right-most {@code X-Forwarded-For} hop that is not itself
 * a trusted proxy. A client can prepend anything to {@code X-Forwarded-For}, so the header is only believed as
 * far as trusted proxies wrote it. Addresses are parsed as literals only: a name in the header never causes a
 * DNS lookup. An IPv6 client is keyed by its /64, which is what one subscriber gets.
 */
public final class ClientAddresses {

	private final List<Cidr> trustedProxies;

	/**
	 * @param trustedProxies CIDRs (or single addresses) of the load balancers in front of the gateway
	 * @throws IllegalArgumentException naming the bad entry
	 */
	public ClientAddresses(List<String> trustedProxies) {
		List<Cidr> parsed = new ArrayList<>();
		for (int i = 0; i < trustedProxies.size(); i++) {
			parsed.add(Cidr.parse(trustedProxies.get(i), "infosysta.gateway.trusted-proxies[" + i + "]"));
		}
		this.trustedProxies = List.copyOf(parsed);
	}

	/** The client's key for address-based limits, or {@code null} when the peer is unknown. */
	public String clientKey(ServerHttpRequest request) {
		InetSocketAddress remote = request.getRemoteAddress();
		InetAddress peer = (remote != null) ? remote.getAddress() : null;
		if (peer == null) {
			return null;
		}
		InetAddress client = peer;
		if (isTrusted(peer)) {
			List<String> forwarded = request.getHeaders().get("X-Forwarded-For");
			InetAddress hop = (forwarded != null) ? rightMostUntrusted(forwarded) : null;
			if (hop != null) {
				client = hop;
			}
		}
		return key(client);
	}

	private boolean isTrusted(InetAddress address) {
		for (Cidr cidr : this.trustedProxies) {
			if (cidr.contains(address)) {
				return true;
			}
		}
		return false;
	}

	private InetAddress rightMostUntrusted(List<String> headers) {
		for (int h = headers.size() - 1; h >= 0; h--) {
			String[] hops = headers.get(h).split(",");
			for (int i = hops.length - 1; i >= 0; i--) {
				InetAddress hop = literal(hops[i].trim());
				if (hop == null) {
					// Something a trusted proxy would not have written: believe nothing further left.
					return null;
				}
				if (!isTrusted(hop)) {
					return hop;
				}
			}
		}
		return null;
	}

	static String key(InetAddress address) {
		if (address instanceof Inet6Address) {
			byte[] bytes = address.getAddress();
			StringBuilder prefix = new StringBuilder(24);
			for (int i = 0; i < 8; i += 2) {
				prefix.append(Integer.toHexString(((bytes[i] & 0xff) << 8) | (bytes[i + 1] & 0xff))).append(':');
			}
			return prefix.append(":/64").toString();
		}
		return address.getHostAddress();
	}

	/** An IPv4 dotted quad or an IPv6 literal (optionally in brackets, with a port); never a DNS name. */
	static InetAddress literal(String text) {
		String value = text;
		if (value.startsWith("[")) {
			int end = value.indexOf(']');
			if (end < 0) {
				return null;
			}
			value = value.substring(1, end);
		}
		else if (value.indexOf(':') >= 0 && value.indexOf(':') == value.lastIndexOf(':') && value.indexOf('.') > 0) {
			value = value.substring(0, value.indexOf(':'));
		}
		if (value.isEmpty()) {
			return null;
		}
		try {
			if (value.indexOf(':') >= 0) {
				if (value.charAt(0) == '.') {
					return null;
				}
				for (int i = 0; i < value.length(); i++) {
					char c = value.charAt(i);
					boolean hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
					if (!hex && c != ':' && c != '.') {
						return null;
					}
				}
				// With a ':' the JDK parses an IPv6 literal and never looks the text up.
				return InetAddress.getByName(value);
			}
			byte[] octets = ipv4(value);
			return (octets != null) ? InetAddress.getByAddress(octets) : null;
		}
		catch (UnknownHostException ex) {
			return null;
		}
	}

	private static byte[] ipv4(String value) {
		byte[] octets = new byte[4];
		int part = 0;
		int number = -1;
		for (int i = 0; i <= value.length(); i++) {
			char c = (i < value.length()) ? value.charAt(i) : '.';
			if (c == '.') {
				if (number < 0 || part > 3) {
					return null;
				}
				octets[part++] = (byte) number;
				number = -1;
			}
			else if (c >= '0' && c <= '9') {
				number = (number < 0) ? c - '0' : number * 10 + (c - '0');
				if (number > 255) {
					return null;
				}
			}
			else {
				return null;
			}
		}
		return (part == 4) ? octets : null;
	}

	/** An address block: network bytes and prefix length. */
	record Cidr(byte[] network, int prefix) {

		static Cidr parse(String text, String property) {
			String value = text.trim();
			int slash = value.indexOf('/');
			String address = (slash < 0) ? value : value.substring(0, slash);
			InetAddress parsed = literal(address);
			boolean ipv4WithPort = address.indexOf(':') > 0 && address.indexOf('.') > 0
					&& ipv4(address.substring(0, address.indexOf(':'))) != null;
			if (parsed == null || ipv4WithPort || (address.indexOf(':') < 0 && ipv4(address) == null)) {
				throw new IllegalArgumentException(property + ": '" + text + "' (expected: an IP address or CIDR)");
			}
			int bits = parsed.getAddress().length * 8;
			int prefix = bits;
			if (slash >= 0) {
				try {
					prefix = Integer.parseInt(value.substring(slash + 1));
				}
				catch (NumberFormatException ex) {
					prefix = -1;
				}
				if (prefix < 0 || prefix > bits) {
					throw new IllegalArgumentException(property + ": '" + text + "' has an invalid prefix length"
							+ " (expected: 0 to " + bits + ")");
				}
			}
			return new Cidr(parsed.getAddress(), prefix);
		}

		boolean contains(InetAddress address) {
			byte[] bytes = address.getAddress();
			if (bytes.length != this.network.length) {
				return false;
			}
			int full = this.prefix / 8;
			for (int i = 0; i < full; i++) {
				if (bytes[i] != this.network[i]) {
					return false;
				}
			}
			int rest = this.prefix % 8;
			if (rest == 0) {
				return true;
			}
			int mask = (0xff << (8 - rest)) & 0xff;
			return (bytes[full] & mask) == (this.network[full] & mask);
		}

	}

}
