//go:build linux

package capture

import (
	"fmt"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/shm"
	"github.com/jezek/xgb/xproto"
	"golang.org/x/sys/unix"

	"github.com/quickhelp/quickhelp/daemon/x11"
	"github.com/quickhelp/quickhelp/wire"
)

// shmSegment is one System V shared-memory segment attached both to this
// process and to the X server, kept for the life of the source: creating
// one per frame is what makes per-call screenshot libraries slow.
type shmSegment struct {
	conn *xgb.Conn
	seg  shm.Seg
	data []byte
}

func newShmSegment(c *xgb.Conn, size int) (*shmSegment, error) {
	if err := x11.Enable(c, x11.Shm); err != nil {
		return nil, err
	}
	id, err := unix.SysvShmGet(unix.IPC_PRIVATE, size, unix.IPC_CREAT|0o600)
	if err != nil {
		return nil, fmt.Errorf("shmget: %w", err)
	}
	// Mark for removal once everyone has detached, so the segment cannot
	// outlive a crash of this process; Linux still allows the X server to
	// attach a removed segment until the last detach.
	defer unix.SysvShmCtl(id, unix.IPC_RMID, nil) //nolint:errcheck // best effort
	data, err := unix.SysvShmAttach(id, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("shmat: %w", err)
	}
	seg, err := shm.NewSegId(c)
	if err != nil {
		_ = unix.SysvShmDetach(data)
		return nil, fmt.Errorf("shm seg id: %w", err)
	}
	if err := shm.AttachChecked(c, seg, uint32(id), false).Check(); err != nil {
		_ = unix.SysvShmDetach(data)
		return nil, fmt.Errorf("shm attach: %w", err)
	}
	return &shmSegment{conn: c, seg: seg, data: data}, nil
}

// getImage grabs m's rectangle of root into the start of the segment.
func (s *shmSegment) getImage(root xproto.Window, m wire.Monitor) (*shm.GetImageReply, error) {
	return shm.GetImage(s.conn, xproto.Drawable(root), int16(m.X), int16(m.Y),
		uint16(m.Width), uint16(m.Height), 0xffffffff, xproto.ImageFormatZPixmap, s.seg, 0).Reply()
}

func (s *shmSegment) release() {
	shm.Detach(s.conn, s.seg) // a no-op once the connection is closed
	_ = unix.SysvShmDetach(s.data)
	s.data = nil
}
