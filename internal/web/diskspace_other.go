//go:build !unix

package web

import "errors"

// freeSpace is not measured on this system.
func freeSpace(string) (int64, error) {
	return 0, errors.New("free space is measured on Unix systems only")
}
