package attention_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/zoo/attention"
)

// Example builds the authors' form of the block on 32-channel 8×8 maps,
// runs it once and reads the attention weights of the first query position.
func Example() {
	rng := rand.New(rand.NewPCG(1, 2))
	attn, err := attention.New("disc.attn", 32, attention.Config{Pool: true, HalfValues: true}, rng)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range attn.Params() {
		fmt.Println(p.Name, p.Shape())
	}

	b := graphs.NewBuilder()
	x := b.Input("x", 2, 32, 8, 8)
	graphs.FillNormal(graphs.Value(x).Data().([]float32), rng)
	y, beta := attn.ForwardWeights(b, x)
	weights := b.Keep(beta)
	vm, err := b.Compile()
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := vm.Run(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("y:", y.Shape(), "β:", beta.Shape())
	var sum float32
	for _, w := range weights.Float32s()[:16] { // query 0 of image 0 over the 4×4 pooled keys
		sum += w
	}
	fmt.Printf("first row sums to %.4f\n", sum)
	// Output:
	// disc.attn.f.weight [4 32 1 1]
	// disc.attn.f.bias [4]
	// disc.attn.g.weight [4 32 1 1]
	// disc.attn.g.bias [4]
	// disc.attn.h.weight [16 32 1 1]
	// disc.attn.h.bias [16]
	// disc.attn.v.weight [32 16 1 1]
	// disc.attn.v.bias [32]
	// disc.attn.gamma [1]
	// y: (2, 32, 8, 8) β: (2, 64, 16)
	// first row sums to 1.0000
}
