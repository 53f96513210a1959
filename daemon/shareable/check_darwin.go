package shareable

import "github.com/quickhelp/quickhelp/wire"

// Check: sharing a Mac's screen is not supported yet.
func Check(func(string) string, string) wire.Reason { return wire.ReasonMacUnsupported }
