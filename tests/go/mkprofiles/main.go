// Command mkprofiles writes the Go-made profiles that triage's tests read:
// a CPU profile and a heap profile of a small, mostly deterministic
// workload whose hot functions have known names. Standard library only.
//
//	cd tests/go/mkprofiles && GO111MODULE=off go build -o /tmp/mkprofiles . &&
//	/tmp/mkprofiles ../../data
//
// With -after it writes go-cpu-after.pb.gz and go-heap-after.pb.gz
// instead: the same workload with another mix (less hashing, more
// arithmetic; more and larger kept blocks), the "after" of a diff.
package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"time"
)

// hashRecords burns CPU in crypto/sha256, the expected top entry.
func hashRecords(records [][]byte, rounds int) [32]byte {
	var sum [32]byte
	for r := 0; r < rounds; r++ {
		for _, rec := range records {
			h := sha256.Sum256(append(rec, sum[:]...))
			sum = h
		}
	}
	return sum
}

// sortRecords spends its time in sort and in the comparison closure.
func sortRecords(records []int) {
	sort.Slice(records, func(i, j int) bool {
		return mix(records[i]) < mix(records[j])
	})
}

// mix is small enough for the compiler to inline into its callers.
func mix(x int) int {
	return (x*2654435761 ^ x>>7) & 0xffffff
}

// countPrimes is plain arithmetic in one function.
func countPrimes(limit int) int {
	n := 0
	for i := 2; i < limit; i++ {
		prime := true
		for d := 2; d*d <= i; d++ {
			if i%d == 0 {
				prime = false
				break
			}
		}
		if prime {
			n++
		}
	}
	return n
}

func cpuWork(d time.Duration) int {
	records := make([][]byte, 64)
	for i := range records {
		records[i] = []byte(fmt.Sprintf("record-%04d-payload", i))
	}
	total := 0
	for start := time.Now(); time.Since(start) < d; {
		sum := hashRecords(records, hashRounds)
		nums := make([]int, 4000)
		for i := range nums {
			nums[i] = i * int(sum[i%32]+1)
		}
		sortRecords(nums)
		total += countPrimes(primeLimit) + nums[0]
	}
	return total
}

// The heap workload keeps some blocks (in use) and drops others (only
// allocated), from distinct functions and sizes.
var kept [][]byte

func allocSmall(n int) {
	for i := 0; i < n; i++ {
		kept = append(kept, make([]byte, 64))
	}
}

func allocLarge(n int) {
	for i := 0; i < n; i++ {
		kept = append(kept, make([]byte, 256<<10))
	}
}

//go:noinline
func allocTemporary(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		b := make([]byte, 32<<10)
		b[i%len(b)] = byte(i)
		s += int(b[0])
	}
	return s
}

// The mix of the workloads; -after changes it.
var (
	hashRounds  = 40
	primeLimit  = 20000
	smallBlocks = 20000
	largeBlocks = 12
)

func heapWork() int {
	allocSmall(smallBlocks)
	allocLarge(largeBlocks)
	return allocTemporary(400)
}

func writeProfile(path string, write func(f *os.File) error) {
	f, err := os.Create(path)
	if err == nil {
		err = write(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkprofiles:", err)
		os.Exit(1)
	}
}

func main() {
	after := flag.Bool("after", false, "write the -after variant")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: mkprofiles [-after] OUTDIR")
		os.Exit(2)
	}
	dir := flag.Arg(0)
	runtime.MemProfileRate = 16 << 10
	suffix := ""
	if *after {
		suffix = "-after"
		hashRounds, primeLimit = 10, 40000
		smallBlocks, largeBlocks = 30000, 20
	}

	writeProfile(filepath.Join(dir, "go-cpu"+suffix+".pb.gz"), func(f *os.File) error {
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		n := cpuWork(1500 * time.Millisecond)
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "mkprofiles: cpu work result", n)
		return nil
	})

	n := heapWork()
	runtime.GC()
	writeProfile(filepath.Join(dir, "go-heap"+suffix+".pb.gz"), func(f *os.File) error {
		return pprof.WriteHeapProfile(f)
	})
	fmt.Fprintln(os.Stderr, "mkprofiles: heap work result", n, len(kept))
}
