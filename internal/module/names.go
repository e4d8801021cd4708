package module

import (
	"fmt"
	"strings"
)

// CheckPortablePath says what is wrong with a file path inside a module for
// people on other systems, or "" when nothing is. git and praxis accept any
// name without a backslash, "..", or control characters, but a handout is
// downloaded and unzipped on Windows too: the characters Windows forbids,
// names ending in a dot or a space, and device names such as CON or NUL would
// fail there or land somewhere else.
func CheckPortablePath(p string) string {
	for _, part := range strings.Split(p, "/") {
		if i := strings.IndexAny(part, `\<>:"|?*`); i >= 0 {
			return fmt.Sprintf("the name %q holds %q, which Windows does not allow in file names", part, part[i])
		}
		if strings.HasSuffix(part, ".") || strings.HasSuffix(part, " ") {
			return fmt.Sprintf("the name %q ends with a dot or a space, which Windows drops", part)
		}
		if IsWindowsDevice(part) {
			return fmt.Sprintf("the name %q is reserved for a device on Windows; choose another", part)
		}
	}
	return ""
}

// IsWindowsDevice reports whether a file name is one Windows reserves for a
// device (CON, PRN, AUX, NUL, COM1-9, LPT1-9), with or without an extension.
func IsWindowsDevice(name string) bool {
	base, _, _ := strings.Cut(strings.ToUpper(name), ".")
	base = strings.TrimRight(base, " ")
	switch base {
	case "CON", "PRN", "AUX", "NUL":
		return true
	}
	return len(base) == 4 && (strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT")) && base[3] >= '1' && base[3] <= '9'
}
