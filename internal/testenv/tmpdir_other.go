//go:build !linux

package testenv

// memoryTempDir returns "": only Linux is known to have a tmpfs at /dev/shm.
func memoryTempDir() string { return "" }
