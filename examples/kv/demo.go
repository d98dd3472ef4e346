package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/viewstamped/vsr/examples/kv/store"
	"github.com/viewstamped/vsr/runtime"
)

// replicaProcess is one kv serve process of the demo, its log lines copied
// to the demo's output.
type replicaProcess struct {
	index int
	cmd   *exec.Cmd
	// normal is closed when the process logs that its replica is in
	// normal status.
	normal chan struct{}
	once   sync.Once
	copied sync.WaitGroup
}

// start starts replica i as its own process.
func startReplica(exe string, i int, cluster uint64, addrs []string, bootstrap bool, out *lockedWriter) (*replicaProcess, error) {
	args := []string{"serve", "-cluster", strconv.FormatUint(cluster, 10), "-peers", strings.Join(addrs, ","), "-id", strconv.Itoa(i)}
	if bootstrap {
		args = append(args, "-bootstrap")
	}
	p := &replicaProcess{index: i, cmd: exec.Command(exe, args...), normal: make(chan struct{})}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	p.copied.Add(1)
	go func() {
		defer p.copied.Done()
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			out.printf("    r%d | %s\n", i, shorten(line))
			if strings.Contains(line, "msg=normal") || strings.Contains(line, `msg="starting as a replica of a new cluster"`) {
				p.once.Do(func() { close(p.normal) })
			}
		}
	}()
	return p, nil
}

// shorten drops the time and level of a log line, which the demo's
// output does not need.
func shorten(line string) string {
	for _, prefix := range []string{"time=", "level="} {
		if strings.HasPrefix(line, prefix) {
			if i := strings.IndexByte(line, ' '); i >= 0 {
				line = line[i+1:]
			}
		}
	}
	return line
}

func (p *replicaProcess) kill() {
	p.cmd.Process.Kill() // SIGKILL: no chance to say goodbye
	p.cmd.Wait()
	p.copied.Wait()
}

func (p *replicaProcess) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.cmd.Wait()
	p.copied.Wait()
}

// lockedWriter serializes the lines of several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) printf(format string, a ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, format, a...)
}

// freeAddrs returns n addresses on 127.0.0.1 whose ports are free now.
func freeAddrs(n int) ([]string, error) {
	var addrs []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		addrs = append(addrs, l.Addr().String())
		l.Close()
	}
	return addrs, nil
}

func demo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kv demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keys := fs.Int("keys", 5, "keys to write before and after the kill")
	if err := fs.Parse(args); err != nil {
		return usageError(stderr, "kv demo", err)
	}
	if fs.NArg() > 0 || *keys < 1 {
		return usageError(stderr, "kv demo", fmt.Errorf("want no arguments and -keys 1 or more"))
	}
	if err := runDemo(*keys, &lockedWriter{w: stdout}); err != nil {
		fmt.Fprintf(stderr, "kv demo: %v\n", err)
		return 1
	}
	return 0
}

func runDemo(keys int, out *lockedWriter) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	addrs, err := freeAddrs(3)
	if err != nil {
		return err
	}
	cluster := rand.Uint64()>>1 | 1
	out.printf("== three replicas of cluster %d, each a process: %s\n", cluster, strings.Join(addrs, " "))
	procs := make([]*replicaProcess, 3)
	defer func() {
		for _, p := range procs {
			if p != nil {
				p.stop()
			}
		}
	}()
	for i := range procs {
		if procs[i], err = startReplica(exe, i, cluster, addrs, true, out); err != nil {
			return err
		}
	}
	rc, err := runtime.NewClient(runtime.ClientConfig{ClusterID: cluster, Addrs: addrs, Sessions: 1})
	if err != nil {
		return err
	}
	defer rc.Close()
	cl := store.NewClient(rc)
	put := func(k, v string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		start := time.Now()
		if err := cl.Put(ctx, k, []byte(v)); err != nil {
			return fmt.Errorf("put %s: %w", k, err)
		}
		out.printf("put %s = %s: ok in %s (replica %d is primary)\n", k, v, time.Since(start).Round(time.Millisecond), rc.Primary())
		return nil
	}
	for i := 1; i <= keys; i++ {
		if err := put(fmt.Sprintf("k%d", i), fmt.Sprintf("v%d", i)); err != nil {
			return err
		}
	}
	primary := rc.Primary()
	out.printf("== kill -9 replica %d (pid %d), the primary\n", primary, procs[primary].cmd.Process.Pid)
	procs[primary].kill()
	procs[primary] = nil
	for i := keys + 1; i <= 2*keys; i++ {
		if err := put(fmt.Sprintf("k%d", i), fmt.Sprintf("v%d", i)); err != nil {
			return err
		}
	}
	out.printf("== restart replica %d with no state: it recovers from the others\n", primary)
	if procs[primary], err = startReplica(exe, primary, cluster, addrs, false, out); err != nil {
		return err
	}
	select {
	case <-procs[primary].normal:
	case <-time.After(20 * time.Second):
		return fmt.Errorf("replica %d did not recover", primary)
	}
	out.printf("== read every key back\n")
	for i := 1; i <= 2*keys; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		k := fmt.Sprintf("k%d", i)
		v, ok, err := cl.Get(ctx, k)
		cancel()
		if err != nil || !ok || string(v) != fmt.Sprintf("v%d", i) {
			return fmt.Errorf("get %s: %q, %v, %v", k, v, ok, err)
		}
		out.printf("get %s = %s\n", k, v)
	}
	out.printf("== every write is there, after the primary's kill -9 and its recovery\n")
	return nil
}
