// Package netpath holds the field-network tests: the service, the sharer
// and the helper on separate Linux network namespaces with NAT routers
// between them, to check which ICE path a session takes (direct through
// STUN, TURN over TLS on 443, forced relay). The tests need root and skip
// otherwise.
package netpath
