// Package tla holds the TLA+ mirror of the spec: VSR.tla, one action per
// rule of spec/; VSRTrace.tla, which checks a trace (TRACE.md) against it;
// the TLC configurations of the checker's named configurations (MC_*.cfg);
// and a corpus of traces in testdata/. The Go code here only embeds the
// modules, so that a tool can hand them to TLC; running TLC and comparing
// with it is package internal/tlc's.
package tla

import "embed"

// Modules holds VSR.tla and VSRTrace.tla.
//
//go:embed VSR.tla VSRTrace.tla
var Modules embed.FS
