// Package turn runs the service's embedded TURN relay (pion/turn) and issues
// short-lived TURN REST credentials bound to a session.
package turn

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	pionturn "github.com/pion/turn/v5"

	"github.com/quickhelp/quickhelp/wire"
)

// Defaults and bounds.
const (
	DefaultListen = "127.0.0.1:3478"
	DefaultRealm  = "quickhelp"
	MaxTTL        = time.Hour
	// DefaultMaxAllocations bounds relay sockets (one file descriptor each).
	DefaultMaxAllocations = 4096
	// DefaultMaxPerSession allows both participants a UDP and a TCP
	// allocation plus an ICE restart's worth of replacements.
	DefaultMaxPerSession = 8
	minSecretLen         = 16
)

// Config configures a Server.
type Config struct {
	// Realm is the TURN realm; empty means DefaultRealm.
	Realm string
	// ListenUDP and ListenTCP are the listen addresses; empty means
	// DefaultListen. "off" disables that transport.
	ListenUDP, ListenTCP string
	// PublicIP is the address put in relay candidates and ICE URLs; empty
	// means the listen IP, which must then not be unspecified.
	PublicIP string
	// TLSListener, when set, delivers TURN-over-TLS connections whose TLS
	// the caller already terminated (the shared HTTPS port of package
	// edge). The relay owns it from New on and closes it on Close.
	TLSListener net.Listener
	// TLSHost and TLSPort are announced in the turns: URL: the name the
	// certificate is for (empty means PublicIP) and the shared port.
	TLSHost string
	TLSPort int
	// Secret is the HMAC key for credentials; required, at least 16 bytes.
	Secret []byte
	// TTL is how long issued credentials stay valid; 0 means MaxTTL.
	TTL time.Duration
	// DevMode allows relaying to loopback and private peers (local installs
	// and tests). Never on a public deployment.
	DevMode bool
	// RelayPortMin and RelayPortMax, when both set, keep relay sockets in
	// that inclusive range so a firewall can open just it; zero means any
	// ephemeral port.
	RelayPortMin, RelayPortMax uint16
	// MaxAllocations and MaxPerSession bound allocations; 0 means default.
	MaxAllocations, MaxPerSession int
	// Logger is optional; nil discards.
	Logger *slog.Logger
	// Clock is optional; nil means time.Now. Tests move it to expire
	// credentials.
	Clock func() time.Time
	// Sessions is optional: when set, allocations are refused for a
	// session that has ended, and the relay sockets of sessions that
	// ended are closed every SweepInterval.
	Sessions SessionChecker
	// SweepInterval is how often allocations of ended sessions are looked
	// for; 0 means DefaultSweepInterval.
	SweepInterval time.Duration

	// peerAllowed replaces PeerAllowed outside dev mode; tests use it to
	// exercise the production rules on loopback. nil means PeerAllowed.
	peerAllowed func(netip.Addr) bool
}

// DefaultSweepInterval closes an ended session's allocations well within a
// minute.
const DefaultSweepInterval = 20 * time.Second

// Server is a running TURN relay.
type Server struct {
	cfg       Config
	log       *slog.Logger
	now       func() time.Time
	publicIP  netip.Addr
	udpAddr   *net.UDPAddr // nil when UDP is off
	tcpAddr   *net.TCPAddr // nil when TCP is off
	pion      *pionturn.Server
	tcpLn     *trackingListener
	tlsLn     *trackingListener // nil without TLSListener
	allocs    atomic.Int64
	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
	// self is this relay host's addresses (see selfPeerAllowed).
	self map[netip.Addr]bool
	// selfDrops counts datagrams refused towards this host.
	selfDrops atomic.Int64
	// cancel stops the sweeper; wg waits for it.
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// mu guards the maps below.
	mu sync.Mutex
	// perSession counts live allocations by session ID.
	perSession map[string]int
	// relays holds the relay sockets of each session.
	relays map[string]map[*relayConn]struct{}
	// relayPorts counts live relay sockets by local port.
	relayPorts map[int]int
	// liveCache holds when a session was last found live.
	liveCache map[string]time.Time
}

func (c *Config) validate() error {
	if len(c.Secret) < minSecretLen {
		return fmt.Errorf("%w: secret must be at least %d bytes", ErrConfig, minSecretLen)
	}
	if c.TTL < 0 || c.TTL > MaxTTL {
		return fmt.Errorf("%w: TTL %v outside (0, %v]", ErrConfig, c.TTL, MaxTTL)
	}
	if c.MaxAllocations < 0 || c.MaxPerSession < 0 {
		return fmt.Errorf("%w: negative limit", ErrConfig)
	}
	if (c.RelayPortMin == 0) != (c.RelayPortMax == 0) || c.RelayPortMin > c.RelayPortMax {
		return fmt.Errorf("%w: relay port range %d-%d", ErrConfig, c.RelayPortMin, c.RelayPortMax)
	}
	if c.ListenUDP == "off" && c.ListenTCP == "off" && c.TLSListener == nil {
		return fmt.Errorf("%w: every transport off", ErrConfig)
	}
	if c.TLSListener != nil && (c.TLSPort <= 0 || c.TLSPort > 65535) {
		return fmt.Errorf("%w: TLSPort %d", ErrConfig, c.TLSPort)
	}
	return nil
}

func (c *Config) setDefaults() {
	if c.Realm == "" {
		c.Realm = DefaultRealm
	}
	if c.ListenUDP == "" {
		c.ListenUDP = DefaultListen
	}
	if c.ListenTCP == "" {
		c.ListenTCP = DefaultListen
	}
	if c.TTL == 0 {
		c.TTL = MaxTTL
	}
	if c.MaxAllocations == 0 {
		c.MaxAllocations = DefaultMaxAllocations
	}
	if c.MaxPerSession == 0 {
		c.MaxPerSession = DefaultMaxPerSession
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.SweepInterval <= 0 {
		c.SweepInterval = DefaultSweepInterval
	}
	if c.peerAllowed == nil {
		c.peerAllowed = PeerAllowed
	}
}

// New validates cfg, binds the listeners and starts relaying.
func New(cfg Config) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg.setDefaults()
	s := &Server{
		cfg:        cfg,
		log:        cfg.Logger.With("component", "turn"),
		now:        cfg.Clock,
		perSession: make(map[string]int),
		relays:     make(map[string]map[*relayConn]struct{}),
		relayPorts: make(map[int]int),
		liveCache:  make(map[string]time.Time),
	}
	var listenIP netip.Addr
	pc := pionturn.ServerConfig{
		Realm:         cfg.Realm,
		LoggerFactory: slogFactory{s.log},
		AuthHandler:   s.authenticate,
		QuotaHandler:  s.quota,
		EventHandler: pionturn.EventHandler{
			OnAllocationCreated: s.onAllocationCreated,
			OnAllocationDeleted: s.onAllocationDeleted,
		},
	}
	cleanup := func() {
		if pc := pc.PacketConnConfigs; len(pc) > 0 {
			_ = pc[0].PacketConn.Close()
		}
		if s.tcpLn != nil {
			_ = s.tcpLn.Close()
		}
		if cfg.TLSListener != nil {
			_ = cfg.TLSListener.Close()
		}
	}
	if cfg.ListenUDP != "off" {
		conn, err := net.ListenPacket("udp", cfg.ListenUDP) //nolint:noctx // bound once at start
		if err != nil {
			return nil, fmt.Errorf("turn: listen udp: %w", err)
		}
		s.udpAddr = conn.LocalAddr().(*net.UDPAddr)
		listenIP = addrOf(s.udpAddr.IP)
		pc.PacketConnConfigs = []pionturn.PacketConnConfig{{PacketConn: conn}}
	}
	if cfg.ListenTCP != "off" {
		ln, err := net.Listen("tcp", cfg.ListenTCP) //nolint:noctx // bound once at start
		if err != nil {
			cleanup()
			return nil, fmt.Errorf("turn: listen tcp: %w", err)
		}
		s.tcpLn = newTrackingListener(ln, 2*cfg.MaxAllocations)
		s.tcpAddr = ln.Addr().(*net.TCPAddr)
		if !listenIP.IsValid() {
			listenIP = addrOf(s.tcpAddr.IP)
		}
		pc.ListenerConfigs = []pionturn.ListenerConfig{{Listener: s.tcpLn}}
	}
	if cfg.TLSListener != nil {
		if !listenIP.IsValid() {
			// TURN only on the shared port: relay sockets bind every
			// interface and PublicIP names the address.
			listenIP = netip.IPv4Unspecified()
		}
		s.tlsLn = newTrackingListener(cfg.TLSListener, 2*cfg.MaxAllocations)
		pc.ListenerConfigs = append(pc.ListenerConfigs, pionturn.ListenerConfig{Listener: s.tlsLn})
	}
	if cfg.PublicIP != "" {
		ip, err := netip.ParseAddr(cfg.PublicIP)
		if err != nil {
			cleanup()
			return nil, fmt.Errorf("%w: public IP: %v", ErrConfig, err)
		}
		s.publicIP = ip.Unmap()
	} else {
		s.publicIP = listenIP
	}
	if !s.publicIP.IsValid() || s.publicIP.IsUnspecified() {
		cleanup()
		return nil, fmt.Errorf("%w: PublicIP is required when listening on all interfaces", ErrConfig)
	}
	// Relay sockets bind the listen IP (all interfaces when the listener
	// does) and are advertised under the public IP.
	s.self = selfAddrs(s.publicIP, listenIP)
	gen := func() pionturn.RelayAddressGenerator {
		if cfg.RelayPortMin != 0 {
			return relayGen{s: s, RelayAddressGenerator: &pionturn.RelayAddressGeneratorPortRange{
				RelayAddress: net.IP(s.publicIP.AsSlice()),
				Address:      listenIP.String(),
				MinPort:      cfg.RelayPortMin,
				MaxPort:      cfg.RelayPortMax,
			}}
		}
		return relayGen{s: s, RelayAddressGenerator: &pionturn.RelayAddressGeneratorStatic{
			RelayAddress: net.IP(s.publicIP.AsSlice()),
			Address:      listenIP.String(),
		}}
	}
	for i := range pc.PacketConnConfigs {
		pc.PacketConnConfigs[i].RelayAddressGenerator = gen()
		pc.PacketConnConfigs[i].PermissionHandler = s.permit
	}
	for i := range pc.ListenerConfigs {
		pc.ListenerConfigs[i].RelayAddressGenerator = gen()
		pc.ListenerConfigs[i].PermissionHandler = s.permit
	}
	srv, err := pionturn.NewServer(pc)
	if err != nil {
		cleanup()
		return nil, fmt.Errorf("turn: start: %w", err)
	}
	s.pion = srv
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	if cfg.Sessions != nil {
		s.wg.Add(1)
		go s.runSweeper(ctx)
	}
	s.log.Info("turn relay started", "udp", s.udpAddr != nil, "tcp", s.tcpAddr != nil, "tls", s.tlsLn != nil, "dev_mode", cfg.DevMode)
	return s, nil
}

func addrOf(ip net.IP) netip.Addr {
	a, _ := netip.AddrFromSlice(ip)
	return a.Unmap()
}

// ICEServers returns the relay's URLs with fresh credentials for one
// session, one entry per transport so clients can tell them apart, in the
// order peers should try them: stun: (the relay answers binding requests on
// UDP, so peers learn their public address and may connect directly),
// turn: over UDP, turn: over TCP, and turns: on the shared HTTPS port for
// networks that let only TLS on 443 out. It returns nil after Close.
func (s *Server) ICEServers(sessionID string) []wire.ICEServer {
	if s.closed.Load() {
		return nil
	}
	user := Username(s.now().Add(s.cfg.TTL), sessionID)
	pass := Password(s.cfg.Secret, user)
	var out []wire.ICEServer
	host := s.publicIP.String()
	if s.udpAddr != nil {
		hp := net.JoinHostPort(host, strconv.Itoa(s.udpAddr.Port))
		out = append(out, wire.ICEServer{URLs: []string{"stun:" + hp}})
		out = append(out, wire.ICEServer{
			URLs:     []string{"turn:" + hp + "?transport=udp"},
			Username: user, Credential: pass,
		})
	}
	if s.tcpAddr != nil {
		out = append(out, wire.ICEServer{
			URLs:     []string{"turn:" + net.JoinHostPort(host, strconv.Itoa(s.tcpAddr.Port)) + "?transport=tcp"},
			Username: user, Credential: pass,
		})
	}
	if s.tlsLn != nil {
		tlsHost := host
		if s.cfg.TLSHost != "" {
			tlsHost = s.cfg.TLSHost
		}
		out = append(out, wire.ICEServer{
			URLs:     []string{"turns:" + net.JoinHostPort(tlsHost, strconv.Itoa(s.cfg.TLSPort)) + "?transport=tcp"},
			Username: user, Credential: pass,
		})
	}
	return out
}

// UDPAddr and TCPAddr return the bound listen addresses (nil when off).
func (s *Server) UDPAddr() *net.UDPAddr { return s.udpAddr }

// TCPAddr returns the bound TCP listen address, nil when TCP is off.
func (s *Server) TCPAddr() *net.TCPAddr { return s.tcpAddr }

// Allocations returns the number of live allocations.
func (s *Server) Allocations() int64 { return s.allocs.Load() }

// Close stops the relay and closes every client connection. It is safe to
// call more than once.
func (s *Server) Close() error {
	s.closed.Store(true)
	s.closeOnce.Do(func() {
		s.cancel()
		s.wg.Wait()
		s.closeErr = s.pion.Close()
		// pion closes the listener but not connections it accepted; close
		// them so their read loops end and allocations are freed.
		s.tcpLn.closeConns()
		s.tlsLn.closeConns()
	})
	return s.closeErr
}
