package x11

// Inits reports how often xgb's Init (which writes xgb's process-wide
// decoder maps) has been called.
func Inits() int {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	return registry.inits
}
