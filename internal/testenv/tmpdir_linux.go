package testenv

import (
	"os"
	"syscall"
)

// memoryDir is a tmpfs that tests may keep their files in, and how much room
// it must have left: the whole suite keeps well under a gigabyte there at
// once, and a container's small /dev/shm (64 MB in Docker) is passed over.
const (
	memoryDir    = "/dev/shm"
	memoryNeeded = 2 << 30
	tmpfsMagic   = 0x01021994
)

// memoryTempDir returns a new folder in memory (on /dev/shm) for the
// process's temporary files, or "" when there is no such tmpfs with room.
func memoryTempDir() string {
	var fs syscall.Statfs_t
	if err := syscall.Statfs(memoryDir, &fs); err != nil || fs.Type != tmpfsMagic || fs.Bavail*uint64(fs.Bsize) < memoryNeeded {
		return ""
	}
	dir, err := os.MkdirTemp(memoryDir, "praxis-test-")
	if err != nil {
		return ""
	}
	return dir
}
