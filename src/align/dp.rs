//! Banded dynamic programming over beads, with posterior probabilities.
//!
//! A bead covers 0–2 consecutive source segments and 0–2 consecutive target
//! segments ([`BEADS`]: 1-1, 1-0, 0-1, 2-1, 1-2, 2-2). An alignment is a
//! sequence of beads from `(0, 0)` to `(n, m)`; its cost is the sum of the
//! bead costs (nats, as from a negative log-likelihood).
//!
//! The search only visits cells `(i, j)` within `w` target segments of the
//! diagonal `j ≈ i·m/n` (the band), so time and memory are O((n + m)·w)
//! instead of O(n·m). `w` starts at [`INITIAL_HALF_WIDTH`]; when the best
//! path comes within `EDGE` cells of the band's edge (where a better path
//! outside it might run), the band is widened fourfold and the search run
//! again, up to the full matrix. Documents whose one-sided material shifts
//! the path far from the diagonal thus cost more only when they need it.
//!
//! In the final band the same pass that finds the best path (Viterbi) also
//! sums over all paths (forward, in log space); a backward pass then gives
//! each bead of the best path its posterior probability: the share of all
//! alignments, weighted by `exp(−cost)`, that contain that bead. A bead
//! with rivals nearly as good gets a low posterior.

use std::ops::Range;

/// `(source segments, target segments)` of each bead type.
pub const BEADS: [(usize, usize); 6] = [(1, 1), (1, 0), (0, 1), (2, 1), (1, 2), (2, 2)];

/// Starting half-width of the band, in target segments.
pub const INITIAL_HALF_WIDTH: usize = 32;

/// A best path this close to the band's edge makes the band grow.
const EDGE: usize = 4;

const NO_BEAD: u8 = u8::MAX;

/// One bead of the best path.
#[derive(Clone, Debug, PartialEq)]
pub struct PathBead {
    pub src: Range<usize>,
    pub tgt: Range<usize>,
    /// Its cost as the cost function gave it.
    pub cost: f64,
    /// Posterior probability of this bead, in [0, 1].
    pub posterior: f64,
}

/// The cells of the band: row `i` holds `j` in `lo[i]..=hi[i]`, stored
/// from `start[i]` in the flat arrays.
struct Band {
    lo: Vec<usize>,
    hi: Vec<usize>,
    start: Vec<usize>,
    cells: usize,
}

impl Band {
    fn new(n: usize, m: usize, half_width: usize) -> Band {
        let (mut lo, mut hi, mut start) = (Vec::with_capacity(n + 1), Vec::with_capacity(n + 1), Vec::with_capacity(n + 1));
        let mut cells = 0;
        for i in 0..=n {
            let center = (i * m).checked_div(n).unwrap_or(0);
            let (l, h) = (center.saturating_sub(half_width), (center + half_width).min(m));
            lo.push(l);
            hi.push(h);
            start.push(cells);
            cells += h - l + 1;
        }
        Band { lo, hi, start, cells }
    }

    fn index(&self, i: usize, j: usize) -> Option<usize> {
        let (lo, hi) = (*self.lo.get(i)?, self.hi[i]);
        (lo..=hi).contains(&j).then(|| self.start[i] + j - lo)
    }
}

/// The best alignment of `n` source with `m` target segments. `cost(i, di,
/// j, dj)` is the cost of the bead covering source `i..i + di` and target
/// `j..j + dj`; it must be finite.
pub fn search(n: usize, m: usize, cost: impl Fn(usize, usize, usize, usize) -> f64) -> Vec<PathBead> {
    let full = n.max(m);
    let mut half_width = if n == 0 || m == 0 { full } else { INITIAL_HALF_WIDTH.min(full) };
    loop {
        let band = Band::new(n, m, half_width);
        let pass = forward(&band, n, m, &cost);
        let path = pass.best_path(&band, n, m);
        let touches_edge = path
            .iter()
            .any(|&(i, j, _)| (band.lo[i] > 0 && j < band.lo[i] + EDGE) || (band.hi[i] < m && j + EDGE > band.hi[i]));
        if touches_edge && half_width < full {
            half_width = (half_width * 4).min(full);
            continue;
        }
        let backward = pass.backward(&band, n, m);
        let total = pass.forward[band.index(n, m).unwrap_or(0)];
        return path
            .into_iter()
            .map(|(i, j, t)| {
                let (di, dj) = BEADS[t as usize];
                let (start, end) = (band.index(i - di, j - dj), band.index(i, j));
                let (start, end) = (start.unwrap_or(0), end.unwrap_or(0));
                let c = f64::from(pass.costs[end][t as usize]);
                let posterior = (-(pass.forward[start] + c + backward[end] - total)).exp();
                PathBead {
                    src: i - di..i,
                    tgt: j - dj..j,
                    cost: c,
                    posterior: posterior.clamp(0.0, 1.0),
                }
            })
            .collect();
    }
}

/// The forward pass over a band: best costs with back pointers, the
/// log-sum over all paths, and each bead's cost by the cell it ends in.
struct Pass {
    best: Vec<f64>,
    back: Vec<u8>,
    forward: Vec<f64>,
    costs: Vec<[f32; 6]>,
}

fn forward(band: &Band, n: usize, m: usize, cost: &impl Fn(usize, usize, usize, usize) -> f64) -> Pass {
    let mut pass = Pass {
        best: vec![f64::INFINITY; band.cells],
        back: vec![NO_BEAD; band.cells],
        forward: vec![f64::INFINITY; band.cells],
        costs: vec![[f32::INFINITY; 6]; band.cells],
    };
    if let Some(origin) = band.index(0, 0) {
        pass.best[origin] = 0.0;
        pass.forward[origin] = 0.0;
    }
    let mut terms = [f64::INFINITY; 6];
    for i in 0..=n {
        for j in band.lo[i]..=band.hi[i].min(m) {
            if i == 0 && j == 0 {
                continue;
            }
            let Some(cell) = band.index(i, j) else { continue };
            terms.fill(f64::INFINITY);
            for (t, &(di, dj)) in BEADS.iter().enumerate() {
                if i < di || j < dj {
                    continue;
                }
                let Some(prev) = band.index(i - di, j - dj) else { continue };
                if pass.best[prev].is_infinite() {
                    continue;
                }
                let c = cost(i - di, di, j - dj, dj) as f32;
                pass.costs[cell][t] = c;
                let through = pass.best[prev] + f64::from(c);
                if through < pass.best[cell] {
                    pass.best[cell] = through;
                    pass.back[cell] = t as u8;
                }
                terms[t] = pass.forward[prev] + f64::from(c);
            }
            pass.forward[cell] = soft_min(&terms);
        }
    }
    pass
}

impl Pass {
    /// The best path's beads as `(end i, end j, bead type)`, in order.
    fn best_path(&self, band: &Band, n: usize, m: usize) -> Vec<(usize, usize, u8)> {
        let mut path = Vec::new();
        let (mut i, mut j) = (n, m);
        while i > 0 || j > 0 {
            let Some(cell) = band.index(i, j) else { break };
            let t = self.back[cell];
            if t == NO_BEAD {
                break;
            }
            path.push((i, j, t));
            let (di, dj) = BEADS[t as usize];
            i -= di;
            j -= dj;
        }
        path.reverse();
        path
    }

    /// For each cell, −log of the summed weight of all paths from it to the end.
    fn backward(&self, band: &Band, n: usize, m: usize) -> Vec<f64> {
        let mut backward = vec![f64::INFINITY; band.cells];
        if let Some(end) = band.index(n, m) {
            backward[end] = 0.0;
        }
        let mut terms = [f64::INFINITY; 6];
        for i in (0..=n).rev() {
            for j in (band.lo[i]..=band.hi[i]).rev() {
                if i == n && j == m {
                    continue;
                }
                let Some(cell) = band.index(i, j) else { continue };
                terms.fill(f64::INFINITY);
                for (t, &(di, dj)) in BEADS.iter().enumerate() {
                    let Some(next) = band.index(i + di, j + dj) else { continue };
                    terms[t] = f64::from(self.costs[next][t]) + backward[next];
                }
                backward[cell] = soft_min(&terms);
            }
        }
        backward
    }
}

/// −log Σ exp(−x), stable; +∞ when every term is.
fn soft_min(terms: &[f64]) -> f64 {
    let low = terms.iter().copied().fold(f64::INFINITY, f64::min);
    if low.is_infinite() {
        return low;
    }
    low - terms.iter().map(|&x| (low - x).exp()).sum::<f64>().ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Source and target as lengths; a bead costs its length mismatch plus
    /// a prior per type.
    fn by_length(src: &[f64], tgt: &[f64]) -> Vec<(Range<usize>, Range<usize>)> {
        let cost = |i: usize, di: usize, j: usize, dj: usize| {
            let s: f64 = src[i..i + di].iter().sum();
            let t: f64 = tgt[j..j + dj].iter().sum();
            let prior = match (di, dj) {
                (1, 1) => 0.0,
                (1, 0) | (0, 1) => 4.0,
                (2, 2) => 4.5,
                _ => 3.0,
            };
            if di == 0 || dj == 0 {
                prior
            } else {
                prior + ((t + 1.0) / (s + 1.0)).ln().powi(2) / (2.0 * 0.01)
            }
        };
        search(src.len(), tgt.len(), cost).into_iter().map(|b| (b.src, b.tgt)).collect()
    }

    #[test]
    fn finds_merges_splits_and_deletions() {
        let got = by_length(&[10.0, 30.0, 8.0, 40.0, 40.0], &[10.0, 38.0, 20.0, 20.0, 40.0]);
        assert_eq!(got, vec![(0..1, 0..1), (1..3, 1..2), (3..4, 2..4), (4..5, 4..5)]);
        let got = by_length(&[10.0, 80.0, 20.0], &[10.0, 20.0]);
        assert_eq!(got, vec![(0..1, 0..1), (1..2, 1..1), (2..3, 1..2)]);
    }

    #[test]
    fn covers_everything_even_when_one_side_is_empty() {
        assert_eq!(by_length(&[], &[1.0, 2.0]), vec![(0..0, 0..1), (0..0, 1..2)]);
        assert_eq!(by_length(&[3.0], &[]), vec![(0..1, 0..0)]);
        assert!(by_length(&[], &[]).is_empty());
    }

    #[test]
    fn the_band_grows_when_the_path_runs_along_its_edge() {
        // 100 one-sided segments in the middle push the path 100 cells off
        // the diagonal, far beyond the initial band.
        let mut src: Vec<f64> = (0..300).map(|k| 10.0 + (k * 7 % 23) as f64).collect();
        let tgt: Vec<f64> = src.clone();
        src.splice(100..100, (0..100).map(|_| 500.0));
        let got = by_length(&src, &tgt);
        assert_eq!(got.len(), 400);
        assert_eq!(got.iter().filter(|(s, t)| s.len() == 1 && t.is_empty()).count(), 100);
        assert!(got.iter().filter(|(s, t)| s.len() == 1 && t.len() == 1).all(|(s, t)| {
            let k = if s.start < 100 { s.start } else { s.start - 100 };
            t.start == k
        }));
    }

    #[test]
    fn posteriors_are_high_when_clear_and_split_when_ambiguous() {
        let clear = search(3, 3, |i, di, j, dj| if di == 1 && dj == 1 && i == j { 0.0 } else { 10.0 });
        assert!(clear.iter().all(|b| b.posterior > 0.99), "{clear:?}");
        // Two equally good alignments: each of their beads has about half.
        let tie = search(2, 1, |_, di, _, dj| match (di, dj) {
            (1, 1) | (1, 0) => 1.0,
            _ => 50.0,
        });
        assert!(tie.iter().all(|b| (b.posterior - 0.5).abs() < 0.01), "{tie:?}");
    }
}
