//go:build tools

// Package tools pins etcd's main package, which the Makefile builds.
package tools

import _ "go.etcd.io/etcd/server/v3"
