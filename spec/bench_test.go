package spec_test

import (
	"bytes"
	"testing"

	"github.com/viewstamped/vsr/generated"
	"github.com/viewstamped/vsr/spec"
)

// benchPrepare is a Prepare carrying a 64-byte operation.
func benchPrepare() spec.Prepare {
	return spec.Prepare{
		View:     3,
		Requests: []spec.Request{{Op: bytes.Repeat([]byte{0xab}, 64), Client: 1 << 40, Request: 1000}},
		Op:       100000,
		Commit:   99998,
	}
}

// BenchmarkPrepareAppendBinary encodes a Prepare into a reused buffer.
func BenchmarkPrepareAppendBinary(b *testing.B) {
	m := benchPrepare()
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	b.SetBytes(int64(len(m.Requests[0].Op)))
	for b.Loop() {
		buf, _ = (*generated.Prepare)(&m).AppendBinary(buf[:0])
	}
}

// BenchmarkPrepareUnmarshal decodes a Prepare: two allocations, its list
// of requests and the operation copied out of the input.
func BenchmarkPrepareUnmarshal(b *testing.B) {
	m := benchPrepare()
	enc, _ := (*generated.Prepare)(&m).AppendBinary(nil)
	var out generated.Prepare
	b.ReportAllocs()
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		if err := out.UnmarshalBinary(enc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDispatchPrepare is one dispatch step: a backup receives the next
// Prepare, appends it and acknowledges it. The backup's log is cut back
// after each step so that every step does the same work.
func BenchmarkDispatchPrepare(b *testing.B) {
	cfg := spec.Config{Replicas: 3}
	r := spec.NewReplica(cfg, 1)
	m := benchPrepare()
	m.View, m.Op, m.Commit = 0, 1, 0
	m.CrashVector = make([]uint32, cfg.Replicas) // crash vectors are the default recovery
	var out spec.Effects
	b.ReportAllocs()
	for b.Loop() {
		r.OpNumber, r.Log = 0, r.Log[:0]
		out.Reset()
		if f := generated.OnPrepare(&r, &m, &out); f.Rule != generated.RuleReceivePrepare {
			b.Fatalf("fired %v", f)
		}
	}
}
