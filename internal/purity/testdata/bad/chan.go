package bad

// Pipe passes a value through a channel.
func Pipe(v uint64) uint64 {
	c := make(chan uint64, 1)
	c <- v
	select {
	case w := <-c:
		return w
	default:
		return 0
	}
}
