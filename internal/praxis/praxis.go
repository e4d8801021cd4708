// Package praxis holds the domain types of praxis and its error codes. It imports
// only the standard library; every other package speaks in these types.
package praxis
