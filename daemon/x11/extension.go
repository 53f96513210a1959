package x11

import (
	"fmt"
	"sync"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/damage"
	"github.com/jezek/xgb/randr"
	"github.com/jezek/xgb/shape"
	"github.com/jezek/xgb/shm"
	"github.com/jezek/xgb/xfixes"
	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"
)

// Extension is one X extension the daemon uses.
type Extension int

// The extensions the daemon uses, and who uses them.
const (
	XTest  Extension = iota // input: synthetic pointer and key events
	Damage                  // capture: change notification
	XFixes                  // capture: cursor image and position
	Shm                     // capture: grabs into shared memory
	Shape                   // overlay: shaped, click-through window
	RandR                   // capture: monitor layout
	numExtensions
)

func (e Extension) String() string {
	if e < 0 || e >= numExtensions {
		return fmt.Sprintf("Extension(%d)", int(e))
	}
	return specs[e].name
}

// version is an extension's protocol version.
type version struct{ major, minor uint32 }

func (v version) less(w version) bool {
	return v.major < w.major || v.major == w.major && v.minor < w.minor
}

func (v version) String() string { return fmt.Sprintf("%d.%d", v.major, v.minor) }

// spec says how to turn one extension on.
type spec struct {
	name string // as the server names it
	// init is xgb's Init: it tells the connection the opcode and writes
	// the decoders into xgb's process-wide maps.
	init func(*xgb.Conn) error
	// version announces the client's version where the protocol wants it
	// (XFIXES and DAMAGE refuse every other request until then) and
	// returns the version the server agreed to.
	version func(*xgb.Conn) (version, error)
	need    version // the least version the daemon's requests need
}

var specs = [numExtensions]spec{
	XTest: {"XTEST", xtest.Init, func(c *xgb.Conn) (version, error) {
		r, err := xtest.GetVersion(c, 2, 2).Reply()
		if err != nil {
			return version{}, err
		}
		return version{uint32(r.MajorVersion), uint32(r.MinorVersion)}, nil
	}, version{2, 0}},
	Damage: {"DAMAGE", damage.Init, func(c *xgb.Conn) (version, error) {
		r, err := damage.QueryVersion(c, 1, 1).Reply()
		if err != nil {
			return version{}, err
		}
		return version{r.MajorVersion, r.MinorVersion}, nil
	}, version{1, 0}},
	XFixes: {"XFIXES", xfixes.Init, func(c *xgb.Conn) (version, error) {
		r, err := xfixes.QueryVersion(c, 5, 0).Reply()
		if err != nil {
			return version{}, err
		}
		return version{r.MajorVersion, r.MinorVersion}, nil
	}, version{1, 0}},
	Shm: {"MIT-SHM", shm.Init, func(c *xgb.Conn) (version, error) {
		r, err := shm.QueryVersion(c).Reply()
		if err != nil {
			return version{}, err
		}
		return version{uint32(r.MajorVersion), uint32(r.MinorVersion)}, nil
	}, version{1, 0}},
	Shape: {"SHAPE", shape.Init, func(c *xgb.Conn) (version, error) {
		r, err := shape.QueryVersion(c).Reply()
		if err != nil {
			return version{}, err
		}
		return version{uint32(r.MajorVersion), uint32(r.MinorVersion)}, nil
	}, version{1, 1}}, // 1.1 added input shapes
	RandR: {"RANDR", randr.Init, func(c *xgb.Conn) (version, error) {
		r, err := randr.QueryVersion(c, 1, 5).Reply()
		if err != nil {
			return version{}, err
		}
		return version{r.MajorVersion, r.MinorVersion}, nil
	}, version{1, 5}}, // 1.5 added GetMonitors
}

// firstNumbers is where a server numbers one extension's events and errors.
type firstNumbers struct{ event, error byte }

// registry mirrors what is in xgb's process-wide decoder maps. It is
// package state because those maps are.
var registry struct {
	mu sync.Mutex
	// The fields below are guarded by mu.
	primed bool
	at     [numExtensions]*firstNumbers // nil: never registered
	inits  int                          // calls of xgb's Init, for tests
}

// prime registers every extension c's server has, once per process, so
// that later connections never write xgb's shared maps.
func prime(c *xgb.Conn) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if registry.primed {
		return
	}
	registry.primed = true
	for e := range numExtensions {
		_ = registerLocked(c, e) // an extension the server lacks fails later, in Enable
	}
}

// registerLocked tells c the opcode of e. Only when e's decoders are not
// yet in xgb's maps at the numbers this server uses does it call xgb's
// Init. (Every extension's Init in xgb does the same three things:
// QueryExtension, set c.Extensions[name], write the shared maps; the
// first two are all a connection needs of its own.) (A process talking to two servers that number an extension
// differently cannot decode both anyway: the maps are per process. The
// daemon talks to one display.)
func registerLocked(c *xgb.Conn, e Extension) error {
	s := specs[e]
	r, err := xproto.QueryExtension(c, uint16(len(s.name)), s.name).Reply()
	if err != nil {
		return err
	}
	if !r.Present {
		return fmt.Errorf("not present on the server")
	}
	n := firstNumbers{r.FirstEvent, r.FirstError}
	if at := registry.at[e]; at != nil && *at == n {
		c.ExtLock.Lock()
		c.Extensions[s.name] = r.MajorOpcode
		c.ExtLock.Unlock()
		return nil
	}
	registry.inits++
	if err := s.init(c); err != nil {
		return err
	}
	registry.at[e] = &n
	return nil
}

// Enable turns on each extension for c and checks that the server speaks
// at least the version the daemon needs. Call it before c is shared with
// other goroutines. Errors wrap ErrExtension and name the extension.
func Enable(c *xgb.Conn, exts ...Extension) error {
	for _, e := range exts {
		if e < 0 || e >= numExtensions {
			return fmt.Errorf("%w: %v", ErrExtension, e)
		}
		registry.mu.Lock()
		err := registerLocked(c, e)
		registry.mu.Unlock()
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrExtension, e, err)
		}
		got, err := specs[e].version(c)
		if err != nil {
			return fmt.Errorf("%w: %s version: %w", ErrExtension, e, err)
		}
		if err := checkVersion(e, got); err != nil {
			return err
		}
	}
	return nil
}

func checkVersion(e Extension, got version) error {
	if need := specs[e].need; got.less(need) {
		return fmt.Errorf("%w: %s %v, need %v", ErrExtension, e, got, need)
	}
	return nil
}
