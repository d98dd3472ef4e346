package bad

// Background starts a goroutine, which makes a step's order depend on the
// scheduler.
func Background(f func()) {
	go f()
}
