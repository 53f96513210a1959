package turn

import "net/netip"

// blockedPrefixes are peer ranges a relay must never reach outside DevMode:
// otherwise anyone holding a credential could use the relay to probe the
// service's own network or cloud metadata endpoints (SSRF through TURN).
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),         // "this network", unspecified
	netip.MustParsePrefix("10.0.0.0/8"),        // RFC 1918
	netip.MustParsePrefix("100.64.0.0/10"),     // carrier-grade NAT, often internal
	netip.MustParsePrefix("127.0.0.0/8"),       // loopback
	netip.MustParsePrefix("169.254.0.0/16"),    // link-local, includes 169.254.169.254 metadata
	netip.MustParsePrefix("172.16.0.0/12"),     // RFC 1918
	netip.MustParsePrefix("192.0.0.0/24"),      // IETF protocol assignments
	netip.MustParsePrefix("192.168.0.0/16"),    // RFC 1918
	netip.MustParsePrefix("198.18.0.0/15"),     // benchmarking
	netip.MustParsePrefix("224.0.0.0/4"),       // multicast
	netip.MustParsePrefix("240.0.0.0/4"),       // reserved, broadcast
	netip.MustParsePrefix("::/128"),            // unspecified
	netip.MustParsePrefix("::1/128"),           // loopback
	netip.MustParsePrefix("fc00::/7"),          // unique local (ULA)
	netip.MustParsePrefix("fe80::/10"),         // link-local
	netip.MustParsePrefix("ff00::/8"),          // multicast
	netip.MustParsePrefix("64:ff9b:1::/48"),    // local-use NAT64
	netip.MustParsePrefix("64:ff9b::/96"),      // well-known NAT64: reaches any IPv4 peer, private ones included, through a translator
	netip.MustParsePrefix("2002::/16"),         // 6to4: embeds an IPv4 address a relay router would reach
	netip.MustParsePrefix("fd00:ec2::254/128"), // IPv6 metadata (inside ULA, listed for clarity)
}

// PeerAllowed reports whether a relay may send to peer when DevMode is off.
// IPv4-mapped IPv6 addresses are judged as IPv4 so they cannot smuggle a
// private address past the list.
func PeerAllowed(peer netip.Addr) bool {
	if !peer.IsValid() {
		return false
	}
	peer = peer.Unmap()
	for _, p := range blockedPrefixes {
		if p.Contains(peer) {
			return false
		}
	}
	return true
}
