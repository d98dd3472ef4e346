package runtime_test

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/viewstamped/vsr/internal/loopback"
	"github.com/viewstamped/vsr/runtime"
)

// BenchmarkCluster is a 3-replica in-process cluster over loopback TCP:
// closed-loop sessions each submit 64-byte operations, one at a time, and
// wait for the result. It reports operations per second and the p50 and
// p99 latency of an operation.
func BenchmarkCluster(b *testing.B) {
	for _, sessions := range []int{1, 16, 128} {
		b.Run("sessions="+strconv.Itoa(sessions), func(b *testing.B) {
			c := loopback.New(b, 3, func(int) runtime.StateMachine {
				return runtime.StateMachineFunc(func(op []byte) []byte { return nil })
			}, func(c *loopback.Cluster) { c.Quiet = true })
			cl := c.Client(sessions, time.Second)
			op := bytes.Repeat([]byte{'x'}, 64)
			ctx := context.Background()
			if _, err := cl.Do(ctx, op); err != nil { // connected, primary known
				b.Fatal(err)
			}
			var left atomic.Int64
			left.Store(int64(b.N))
			latencies := make([][]time.Duration, sessions)
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for s := range sessions {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for left.Add(-1) >= 0 {
						t0 := time.Now()
						if _, err := cl.Do(ctx, op); err != nil {
							b.Error(err)
							return
						}
						latencies[s] = append(latencies[s], time.Since(t0))
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			all := slices.Concat(latencies...)
			slices.Sort(all)
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
			b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
			b.ReportMetric(0, "ns/op")
		})
	}
}
