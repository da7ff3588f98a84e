# Sourced by the release benchmarks: builds vggbatch in release and prepares, under $work,
# full-size VGG16 weights (seeded random, the real format), a tiny model, and the samples
# repeated to 210 photos. Sets bin, weights, tiny, photos, batch and threads.
swift build -c release --product vggbatch >/dev/null
bin=$PWD/.build/release/vggbatch
batch="${BATCH:-8}"
threads="${THREADS:-2}"
mkdir -p "$work"
export XDG_CACHE_HOME="$work/cache"
weights="$work/vgg16-random.safetensors"
[ -f "$weights" ] || "$bin" weights random --seed 1 --output "$weights" >/dev/null
tiny="$work/tiny.safetensors"
[ -f "$tiny" ] || "$bin" weights random --tiny --seed 1 --output "$tiny" >/dev/null
photos="$work/photos"
if [ ! -d "$photos" ]; then
    mkdir -p "$photos"
    for i in $(seq -w 1 15); do
        mkdir -p "$photos/set$i"
        cp samples/*.jpg samples/*.png "$photos/set$i/"
    done
fi
