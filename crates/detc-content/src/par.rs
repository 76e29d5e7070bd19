//! The one way detc spreads work over cores: [`parallel_map`] over items
//! (the files, the rules, the docs pages), [`join`] for two jobs side by
//! side (checking beside rendering, writing beside deflating).

/// Items a worker takes at a time: small enough that the threads finish
/// together when items differ in cost (a 60 KiB detection beside a 1 KiB
/// macro), large enough that taking them costs nothing.
const BATCH: usize = 16;

/// `f` over `items` on up to `available_parallelism` threads (at most 8;
/// one for fewer than 64 items), results in the items' order, so the
/// output never depends on scheduling. Workers take [`BATCH`] items at a
/// time from a shared counter, so a run of costly items does not leave
/// one thread working alone. A panic in `f` is resumed on the caller.
pub fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8)
        .min(items.len().div_ceil(64));
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done: Vec<(usize, Vec<R>)> = Vec::new();
        loop {
            let start = next.fetch_add(BATCH, std::sync::atomic::Ordering::Relaxed);
            if start >= items.len() {
                return done;
            }
            let end = (start + BATCH).min(items.len());
            done.push((start, items[start..end].iter().map(&f).collect()));
        }
    };
    let mut batches: Vec<(usize, Vec<R>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
        let mut all = work();
        for h in handles {
            all.extend(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        all
    });
    batches.sort_unstable_by_key(|(start, _)| *start);
    batches.into_iter().flat_map(|(_, rs)| rs).collect()
}

/// `a` on a thread of its own while `b` runs on the caller's; both
/// results, once both have ended. A panic in either is resumed on the
/// caller (`a`'s after `b` has ended).
pub fn join<A: Send, B>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B) -> (A, B) {
    std::thread::scope(|s| {
        let a = s.spawn(a);
        let b = b();
        (a.join().unwrap_or_else(|e| std::panic::resume_unwind(e)), b)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn parallel_map_keeps_order() {
        let items: Vec<u32> = (0..1000).collect();
        let doubled = super::parallel_map(&items, |x| x * 2);
        assert_eq!(doubled, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert!(super::parallel_map(&[] as &[u32], |x| *x).is_empty());
        // Uneven costs: every item still comes back once, in order.
        let slow: Vec<u64> = (0..500).collect();
        let out = super::parallel_map(&slow, |&x| {
            if x % 97 == 0 {
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            x + 1
        });
        assert_eq!(out, (1..=500).collect::<Vec<u64>>());
    }
}
