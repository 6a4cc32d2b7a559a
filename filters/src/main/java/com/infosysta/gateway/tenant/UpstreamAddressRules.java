package com.infosysta.gateway.tenant;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * Which upstream addresses the gateway may call. By default only public unicast addresses over https: the
 * gateway must never become a way into Infosysta's own network. The same rules apply to IP literals in the
 * registry (at load) and to every resolved address (at connect time, so DNS rebinding gains nothing).
 *
 * @param allowHttp accept {@code http://} base URLs (tests and the local demo only)
 * @param allowPrivateAddresses accept loopback, private, link-local and other non-public addresses
 */
public record UpstreamAddressRules(boolean allowHttp, boolean allowPrivateAddresses) {

	public static final UpstreamAddressRules STRICT = new UpstreamAddressRules(false, false);

	public boolean isAllowed(InetAddress address) {
		return this.allowPrivateAddresses || isPublic(address);
	}

	/** Whether the address is public unicast: not loopback, private, link-local, metadata, reserved or multicast. */
	public static boolean isPublic(InetAddress address) {
		if (address instanceof Inet4Address) {
			return isPublicIpv4(address.getAddress());
		}
		if (address instanceof Inet6Address) {
			return isPublicIpv6(address.getAddress());
		}
		return false;
	}

	private static boolean isPublicIpv4(byte[] a) {
		int b0 = a[0] & 0xff;
		int b1 = a[1] & 0xff;
		int b2 = a[2] & 0xff;
		return !(b0 == 0 // "this network"
				|| b0 == 10 // private
				|| b0 == 127 // loopback
				|| (b0 == 100 && b1 >= 64 && b1 <= 127) // carrier-grade NAT, also a cloud metadata range
				|| (b0 == 169 && b1 == 254) // link-local, cloud metadata 169.254.169.254
				|| (b0 == 172 && b1 >= 16 && b1 <= 31) // private
				|| (b0 == 192 && b1 == 0 && b2 == 0) // IETF protocol assignments
				|| (b0 == 192 && b1 == 0 && b2 == 2) // documentation
				|| (b0 == 192 && b1 == 168) // private
				|| (b0 == 198 && (b1 == 18 || b1 == 19)) // benchmarking
				|| (b0 == 198 && b1 == 51 && b2 == 100) // documentation
				|| (b0 == 203 && b1 == 0 && b2 == 113) // documentation
				|| b0 >= 224); // multicast, reserved, broadcast
	}

	private static boolean isPublicIpv6(byte[] a) {
		int w0 = ((a[0] & 0xff) << 8) | (a[1] & 0xff);
		if (isZero(a, 0, 10)) {
			int w5 = ((a[10] & 0xff) << 8) | (a[11] & 0xff);
			// ::, ::1, IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d): judge the embedded IPv4
			if (w5 == 0xffff || (w5 == 0 && !isZero(a, 12, 4) && !(isZero(a, 12, 3) && (a[15] & 0xff) <= 1))) {
				return isPublicIpv4(new byte[] { a[12], a[13], a[14], a[15] });
			}
			return false;
		}
		if (w0 == 0x0064 && ((a[2] & 0xff) << 8 | (a[3] & 0xff)) == 0xff9b) {
			// NAT64 64:ff9b::/96 and 64:ff9b:1::/48 carry an IPv4 address in the last 32 bits
			return isPublicIpv4(new byte[] { a[12], a[13], a[14], a[15] });
		}
		if ((a[0] & 0xff) == 0) {
			// the rest of ::/8 is reserved (e.g. the SIIT form ::ffff:0:a.b.c.d)
			return false;
		}
		if (w0 == 0x2002) {
			// 6to4 embeds an IPv4 address in bits 16-47
			return isPublicIpv4(new byte[] { a[2], a[3], a[4], a[5] });
		}
		return !((w0 & 0xfe00) == 0xfc00 // unique local, includes fd00:ec2::254 (cloud metadata)
				|| (w0 & 0xffc0) == 0xfe80 // link-local
				|| (w0 & 0xffc0) == 0xfec0 // site-local (deprecated)
				|| (w0 & 0xff00) == 0xff00 // multicast
				|| w0 == 0x2001 && (((a[2] & 0xff) << 8) | (a[3] & 0xff)) == 0x0db8 // documentation
				|| w0 == 0x0100 && isZero(a, 2, 6)); // discard-only
	}

	private static boolean isZero(byte[] a, int from, int length) {
		for (int i = from; i < from + length; i++) {
			if (a[i] != 0) {
				return false;
			}
		}
		return true;
	}

}
