//! Independent work on every core, with results in input order, so that output never depends
//! on how many cores there are or how the work was scheduled.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What `worker` returned. A panic on it is a bug; it is carried to the caller as if it
/// had happened there.
fn joined<T>(worker: std::thread::ScopedJoinHandle<'_, T>) -> T {
    match worker.join() {
        Ok(result) => result,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// How many threads can run at once here (one when the machine will not say).
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

/// `f` applied to every item, on up to as many threads as the machine has cores; the results
/// are in the items' order. Items are handed out one at a time, so a few large items do not
/// leave a thread idle while another works through a long list.
///
/// The calling thread is one of the workers: it would otherwise only wait, and its
/// allocator heap and BDD scratch (`analysis::apply`) are already warm, where a new
/// thread's first allocations touch fresh pages.
pub fn map<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    let threads = cores().min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut mine = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            mine.push((i, f(item)));
        }
        mine
    };
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut done = work();
        for worker in workers {
            done.append(&mut joined(worker));
        }
        done
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// How many items one thread takes at a time in [`map_ranges`]: for walks that cost little
/// per item (a process's conditions or steps), so that a policy of a few hundred processes
/// is walked on the calling thread alone, without a thread to start.
pub const ITEMS_PER_RANGE: usize = 256;

/// `f` applied to the ranges of [`ITEMS_PER_RANGE`] indices that cover `0..len`, as [`map`]
/// hands them out; the results in the ranges' order.
pub fn map_ranges<R, F>(len: usize, f: F) -> Vec<R>
where
    R: Send,
    F: Fn(std::ops::Range<usize>) -> R + Sync,
{
    let ranges: Vec<std::ops::Range<usize>> = (0..len)
        .step_by(ITEMS_PER_RANGE)
        .map(|start| start..(start + ITEMS_PER_RANGE).min(len))
        .collect();
    map(&ranges, |range| f(range.clone()))
}

/// `f` applied to `items` cut into as many contiguous parts as the machine has cores (all as
/// long as the first but the last), on every core, the results in the parts' order. Each
/// part is handed over whole to its thread, which owns and frees it: for work with a setup
/// worth paying once per part (a copy of shared state, say) that is done with each item
/// once it has read it. The calling thread takes the last part, as in [`map`].
pub fn map_owned_parts<T, R, F>(mut items: Vec<T>, f: F) -> Vec<R>
where
    T: Send,
    R: Send,
    F: Fn(Vec<T>) -> R + Sync,
{
    let per_part = items.len().div_ceil(cores()).max(1);
    let mut parts = Vec::new();
    while items.len() > per_part {
        let tail = items.split_off(per_part);
        parts.push(std::mem::replace(&mut items, tail));
    }
    // What is left is the last part, the calling thread's (all of it on one core).
    let f = &f;
    std::thread::scope(|scope| {
        let workers: Vec<_> = parts
            .into_iter()
            .map(|part| scope.spawn(move || f(part)))
            .collect();
        let last = f(items);
        workers.into_iter().map(joined).chain([last]).collect()
    })
}

/// Drops `items` on up to as many threads as the machine has cores, in contiguous parts:
/// for large trees of small allocations, whose freeing takes as long as building them.
/// Fewer than [`MIN_ITEMS_TO_DROP_APART`] are dropped here: a thread costs more than
/// freeing a few small ones saves.
pub fn drop_all<T: Send>(items: Vec<T>) {
    if items.len() >= MIN_ITEMS_TO_DROP_APART {
        map_owned_parts(items, drop);
    }
}

/// See [`drop_all`].
const MIN_ITEMS_TO_DROP_APART: usize = 64;

/// `here()` on the calling thread while `there()` runs on another, when the machine has
/// more than one core; one after the other otherwise. For work whose state cannot move
/// between threads (`here` keeps it), beside work that can.
pub fn beside<A, B>(here: impl FnOnce() -> A, there: impl FnOnce() -> B + Send) -> (A, B)
where
    B: Send,
{
    if cores() <= 1 {
        let a = here();
        return (a, there());
    }
    std::thread::scope(|scope| {
        let other = scope.spawn(there);
        let a = here();
        (a, joined(other))
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_items_order() {
        let items: Vec<u64> = (0..1000).collect();
        let squares = super::map(&items, |x| x * x);
        assert_eq!(squares, items.iter().map(|x| x * x).collect::<Vec<_>>());
    }

    #[test]
    fn the_calling_thread_works_too() {
        let caller = std::thread::current().id();
        let items: Vec<u64> = (0..64).collect();
        let ran_on = super::map(&items, |_| {
            // Slow enough that no spawned thread can take every item before the
            // calling thread starts on them.
            std::thread::sleep(std::time::Duration::from_millis(1));
            std::thread::current().id()
        });
        assert!(ran_on.contains(&caller));
        let parts = super::map_owned_parts(items, |_| std::thread::current().id());
        assert_eq!(parts.last(), Some(&caller));
    }

    #[test]
    fn beside_returns_both_results() {
        let here = std::cell::Cell::new(1); // not `Sync`: stays on the calling thread
        let (a, b) = super::beside(|| here.get() + 1, || (0..10u64).sum::<u64>());
        assert_eq!((a, b), (2, 45));
    }

    #[test]
    fn parts_cover_the_items_in_order() {
        for n in [0u64, 1, 2, 3, 1001] {
            let items: Vec<u64> = (0..n).collect();
            let parts = super::map_owned_parts(items.clone(), |part| part);
            let per_part = items.len().div_ceil(super::cores()).max(1);
            let chunks: Vec<Vec<u64>> = items.chunks(per_part).map(<[u64]>::to_vec).collect();
            if n == 0 {
                assert_eq!(parts, vec![Vec::<u64>::new()]);
            } else {
                assert_eq!(parts, chunks);
            }
        }
    }

    #[test]
    fn drop_all_drops_every_item_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static DROPPED: AtomicUsize = AtomicUsize::new(0);
        struct Counted;
        impl Drop for Counted {
            fn drop(&mut self) {
                DROPPED.fetch_add(1, Ordering::Relaxed);
            }
        }
        for n in [0, 1, 2, 3, 1001] {
            DROPPED.store(0, Ordering::Relaxed);
            super::drop_all((0..n).map(|_| Counted).collect());
            assert_eq!(DROPPED.load(Ordering::Relaxed), n);
        }
    }

    #[test]
    fn ranges_cover_the_indices_in_order() {
        for len in [
            0,
            1,
            super::ITEMS_PER_RANGE,
            3 * super::ITEMS_PER_RANGE / 2 + 1,
        ] {
            let covered: Vec<usize> = super::map_ranges(len, |range| range.collect::<Vec<_>>())
                .into_iter()
                .flatten()
                .collect();
            assert_eq!(covered, (0..len).collect::<Vec<_>>());
        }
    }

    #[test]
    fn no_items_no_results() {
        let none: Vec<u8> = super::map(&[] as &[u8], |_| 0);
        assert!(none.is_empty());
    }
}
