package desktop

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/quickhelp/quickhelp/daemon/win32"
)

// Native returns the Windows Probe: OpenInputDesktop, then the desktop's
// name from GetUserObjectInformationW(UOI_NAME).
func Native() Probe { return inputDesktop{} }

type inputDesktop struct{}

// desktopReadObjects is DESKTOP_READOBJECTS: enough to read the name.
const desktopReadObjects = 0x0001

// uoiName is GetUserObjectInformation's UOI_NAME.
const uoiName = 2

func (inputDesktop) InputDesktop() (string, error) {
	h, _, err := win32.OpenInputDesktop.Call(0, 0, desktopReadObjects)
	if h == 0 {
		if errors.Is(err, windows.ERROR_ACCESS_DENIED) {
			return "", ErrAccessDenied
		}
		return "", fmt.Errorf("OpenInputDesktop: %w", err)
	}
	defer win32.CloseDesktop.Call(h)
	var buf [64]uint16 // desktop names are short ("Default", "Winlogon")
	var needed uint32
	r, _, err := win32.GetUserObjectInformationW.Call(h, uoiName, uintptr(unsafe.Pointer(&buf[0])),
		unsafe.Sizeof(buf), uintptr(unsafe.Pointer(&needed)))
	if r == 0 {
		return "", fmt.Errorf("GetUserObjectInformationW: %w", err)
	}
	return windows.UTF16ToString(buf[:]), nil
}
