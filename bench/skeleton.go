package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"

	"github.com/viewstamped/vsr/runtime"
)

// skeletonSystem is the floor the others are measured against: what a
// primary-backup round trip costs on this transport and nothing more. The
// leader, in process, sends each operation as one frame (an 8-byte ID and
// the operation) to both followers, each follower answers with a frame of
// the ID, and the operation is done when one follower (f = 1 of 3) has
// answered. There is no log, no state machine, no view or term.
type skeletonSystem struct {
	g      *group
	links  []*skeletonLink
	next   atomic.Uint64
	mu     sync.Mutex
	wait   map[uint64]chan struct{} // by ID, the operations in flight
	faults atomic.Uint64
}

// skeletonLink is the leader's connection to one follower.
type skeletonLink struct {
	conn  net.Conn
	queue chan []byte
}

var errSkeletonStopped = errors.New("skeleton: stopped")

// startSkeleton starts the leader and two followers.
func startSkeleton(ctx context.Context, clients int) (System, error) {
	ls, addrs, err := listenLoopback(2)
	if err != nil {
		return nil, fmt.Errorf("skeleton: %w", err)
	}
	s := &skeletonSystem{g: newGroup(), wait: map[uint64]chan struct{}{}}
	for _, l := range ls {
		s.g.Serve(l, s.follow)
	}
	for _, addr := range addrs {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			s.Stop()
			return nil, fmt.Errorf("skeleton: %w", err)
		}
		link := &skeletonLink{conn: c, queue: make(chan []byte, queueFrames)}
		s.links = append(s.links, link)
		stop := context.AfterFunc(s.g.ctx, func() { c.Close() })
		s.g.Go(func() {
			defer stop()
			if err := writeFrames(c, link.queue, s.g.ctx.Done()); err != nil && s.g.ctx.Err() == nil {
				s.faults.Add(1)
			}
			c.Close()
		})
		s.g.Go(func() { s.readAcks(c) })
	}
	if err := s.Do(ctx, make([]byte, opSize)); err != nil {
		s.Stop()
		return nil, fmt.Errorf("skeleton: first operation: %w", err)
	}
	return s, nil
}

// Do sends op to both followers and waits for the first answer.
func (s *skeletonSystem) Do(ctx context.Context, op []byte) error {
	id := s.next.Add(1)
	body := make([]byte, 8, 8+len(op))
	binary.BigEndian.PutUint64(body, id)
	frame := runtime.AppendFrame(make([]byte, 0, 4+8+len(op)), append(body, op...))
	done := make(chan struct{}, 1)
	s.mu.Lock()
	s.wait[id] = done
	s.mu.Unlock()
	for _, l := range s.links {
		select {
		case l.queue <- frame:
		case <-ctx.Done():
			s.forget(id)
			return ctx.Err()
		case <-s.g.ctx.Done():
			return errSkeletonStopped
		}
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.forget(id)
		return ctx.Err()
	case <-s.g.ctx.Done():
		return errSkeletonStopped
	}
}

func (s *skeletonSystem) forget(id uint64) {
	s.mu.Lock()
	delete(s.wait, id)
	s.mu.Unlock()
}

// readAcks reads a follower's answers on the leader's connection c: the
// first answer to an operation completes it, the second finds it gone.
func (s *skeletonSystem) readAcks(c net.Conn) {
	r := bufio.NewReaderSize(c, 64<<10)
	var buf []byte
	for {
		b, err := runtime.ReadFrame(r, buf, maxFrame)
		if err != nil {
			if !isClosed(err) && s.g.ctx.Err() == nil {
				s.faults.Add(1)
			}
			return
		}
		buf = b[:0]
		if len(b) != 8 {
			s.faults.Add(1)
			return
		}
		id := binary.BigEndian.Uint64(b)
		s.mu.Lock()
		done := s.wait[id]
		delete(s.wait, id)
		s.mu.Unlock()
		if done != nil {
			done <- struct{}{}
		}
	}
}

// follow is a follower's side of the leader's connection c: it answers
// each operation's frame with a frame of its ID, written by a goroutine of
// its own as the leader's are.
func (s *skeletonSystem) follow(c net.Conn) {
	queue := make(chan []byte, queueFrames)
	done := make(chan struct{})
	defer close(done)
	s.g.Go(func() {
		if err := writeFrames(c, queue, done); err != nil && s.g.ctx.Err() == nil {
			s.faults.Add(1)
		}
		c.Close()
	})
	r := bufio.NewReaderSize(c, 64<<10)
	var buf []byte
	for {
		b, err := runtime.ReadFrame(r, buf, maxFrame)
		if err != nil {
			if !isClosed(err) && s.g.ctx.Err() == nil {
				s.faults.Add(1)
			}
			return
		}
		buf = b[:0]
		if len(b) < 8 {
			s.faults.Add(1)
			return
		}
		select {
		case queue <- runtime.AppendFrame(make([]byte, 0, 4+8), b[:8]):
		case <-s.g.ctx.Done():
			return
		}
	}
}

func (s *skeletonSystem) Faults() uint64 { return s.faults.Load() }

func (s *skeletonSystem) Stop() error {
	s.g.Stop()
	return nil
}
