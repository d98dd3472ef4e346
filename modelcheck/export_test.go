package modelcheck

// SetMaxIndex lowers the most states breadth-first search numbers, for a
// test, until the returned function restores it.
func SetMaxIndex(n int) (restore func()) {
	saved := maxIndex
	maxIndex = n
	return func() { maxIndex = saved }
}
