package console

// systemOpener opens a URL with the shell's handler for web addresses.
func systemOpener(url string) (string, []string) {
	return "rundll32.exe", []string{"url.dll,FileProtocolHandler", url}
}
