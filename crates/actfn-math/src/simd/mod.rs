//! Runtime SIMD dispatch: the instruction-set levels, their detection and override, and
//! the lane types kernels are instantiated with at each level.
//!
//! A kernel is a lane function generic over [`Real`]; a slice driver walks the slices in
//! vectors of [`Lanes::WIDTH`] elements. [`dispatch`] picks the lane type of the current
//! [`Level`] once per slice and hands it to a [`LaneTask`]:
//!
//! | level    | `f32` elements      | `f64` elements | CPU                          |
//! |----------|---------------------|----------------|------------------------------|
//! | `scalar` | `f64` (one lane)    | `f64`          | any (the `libm` reference)   |
//! | `avx2`   | 8 × `f32`           | 4 × `f64`      | x86-64 with AVX2 and FMA     |
//! | `avx512` | 16 × `f32`          | 8 × `f64`      | x86-64 with AVX-512 F/BW/DQ/VL |
//!
//! (`neon` is recognised by name; on aarch64 it currently runs the scalar kernels.)
//! An `f32` kernel that needs more than single precision between its steps asks for
//! *wide* lanes: its `f32` elements are then computed in `f64` vectors (8 or 4 lanes).
//!
//! The level is chosen, in order, by [`with_level`] (this thread, for a closure), by
//! [`set_level`] (the process), by the environment variable `ACTFN_SIMD`
//! (`scalar|avx2|avx512|neon|auto`), and otherwise is the best level this CPU has.
//! Pulp (`pulp::x86::V3`/`V4`) detects the CPU features and compiles the driver loops
//! with them enabled (`vectorize`); the lane types and their math are this crate's.

use core::cell::Cell;
use core::fmt;
use core::str::FromStr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

use crate::{Element, Real};

#[cfg(target_arch = "x86_64")]
pub(crate) mod x86;

/// An instruction-set level the kernels can run at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// One element at a time, through `libm` (f32 elements computed in f64): the
    /// reference every other level is tested against.
    Scalar,
    /// x86-64 AVX2 + FMA: 256-bit vectors.
    Avx2,
    /// x86-64 AVX-512 (F, BW, CD, DQ, VL): 512-bit vectors.
    Avx512,
    /// aarch64 NEON (runs the scalar kernels for now).
    Neon,
}

impl Level {
    /// Every level actfn knows, available or not.
    pub const ALL: &'static [Level] = &[Level::Scalar, Level::Avx2, Level::Avx512, Level::Neon];

    /// The name used by `ACTFN_SIMD` and `--simd`.
    pub fn name(self) -> &'static str {
        match self {
            Level::Scalar => "scalar",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512",
            Level::Neon => "neon",
        }
    }

    /// Whether this CPU can run the level.
    pub fn is_available(self) -> bool {
        match self {
            Level::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => pulp::x86::V3::is_available(),
            #[cfg(target_arch = "x86_64")]
            Level::Avx512 => pulp::x86::V4::is_available(),
            #[cfg(target_arch = "aarch64")]
            Level::Neon => true,
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }

    /// The levels this CPU can run, from `scalar` up to the best.
    pub fn available() -> Vec<Level> {
        Level::ALL.iter().copied().filter(|l| l.is_available()).collect()
    }

    /// The best level this CPU can run.
    pub fn best() -> Level {
        *Level::available().last().expect("scalar is always available")
    }

    /// Elements per vector for `f32` and `f64` slices at this level.
    pub fn width<E: Element>(self) -> usize {
        match (self, E::PRECISION) {
            (Level::Avx512, 24) => 16,
            (Level::Avx512, _) | (Level::Avx2, 24) => 8,
            (Level::Avx2, _) => 4,
            _ => 1,
        }
    }

    /// Parses a level name or `auto` (`None`), and checks that this CPU has it.
    pub fn parse_request(text: &str) -> Result<Option<Level>, LevelError> {
        let t = text.trim().to_ascii_lowercase();
        if t == "auto" || t.is_empty() {
            return Ok(None);
        }
        let level: Level = t.parse()?;
        level.check()?;
        Ok(Some(level))
    }

    /// `Ok(self)` if this CPU can run it.
    pub fn check(self) -> Result<Level, LevelError> {
        if self.is_available() {
            Ok(self)
        } else {
            Err(LevelError::Unavailable(self))
        }
    }

    fn code(self) -> u8 {
        self as u8
    }

    fn from_code(c: u8) -> Option<Level> {
        Level::ALL.get(c as usize).copied()
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Level {
    type Err = LevelError;
    fn from_str(s: &str) -> Result<Level, LevelError> {
        let t = s.trim().to_ascii_lowercase();
        Level::ALL
            .iter()
            .copied()
            .find(|l| l.name() == t || (t == "avx-512" && *l == Level::Avx512))
            .ok_or_else(|| LevelError::Unknown(s.to_string()))
    }
}

/// A SIMD level that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LevelError {
    /// Not a level name.
    Unknown(String),
    /// A level this CPU does not have.
    Unavailable(Level),
}

impl fmt::Display for LevelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let have: Vec<&str> = Level::available().iter().map(|l| l.name()).collect();
        match self {
            LevelError::Unknown(s) => write!(
                f,
                "unknown SIMD level `{s}` (expected scalar, avx2, avx512, neon or auto; this CPU has {})",
                have.join(", ")
            ),
            LevelError::Unavailable(l) => write!(
                f,
                "SIMD level {l} is not available on this CPU (available: {})",
                have.join(", ")
            ),
        }
    }
}

impl std::error::Error for LevelError {}

/// The name of the environment variable that forces a level.
pub const ENV_VAR: &str = "ACTFN_SIMD";

const UNSET: u8 = u8::MAX;
static GLOBAL: AtomicU8 = AtomicU8::new(UNSET);

thread_local! {
    static LOCAL: Cell<Option<Level>> = const { Cell::new(None) };
}

/// The level `ACTFN_SIMD` asks for (`None` when unset or `auto`), read once.
pub fn env_level() -> Result<Option<Level>, LevelError> {
    static ENV: OnceLock<Result<Option<Level>, LevelError>> = OnceLock::new();
    ENV.get_or_init(|| match std::env::var(ENV_VAR) {
        Ok(v) => Level::parse_request(&v),
        Err(_) => Ok(None),
    })
    .clone()
}

/// Forces `level` for the whole process (`None`: back to `ACTFN_SIMD`, then the best).
pub fn set_level(level: Option<Level>) -> Result<(), LevelError> {
    match level {
        Some(l) => GLOBAL.store(l.check()?.code(), Ordering::Relaxed),
        None => GLOBAL.store(UNSET, Ordering::Relaxed),
    }
    Ok(())
}

/// Runs `f` with `level` forced on this thread (other threads are not affected; the
/// kernels called from `f` take the level with them into their worker threads).
pub fn with_level<R>(level: Level, f: impl FnOnce() -> R) -> Result<R, LevelError> {
    level.check()?;
    struct Restore(Option<Level>);
    impl Drop for Restore {
        fn drop(&mut self) {
            LOCAL.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(LOCAL.with(|c| c.replace(Some(level))));
    Ok(f())
}

/// The level kernels called now, on this thread, run at.
///
/// # Panics
/// When `ACTFN_SIMD` names an unknown level or one this CPU does not have (and no
/// override is in force): a forced level is never silently replaced by another.
pub fn level() -> Level {
    if let Some(l) = LOCAL.with(|c| c.get()) {
        return l;
    }
    if let Some(l) = Level::from_code(GLOBAL.load(Ordering::Relaxed)) {
        return l;
    }
    match env_level() {
        Ok(Some(l)) => l,
        Ok(None) => best(),
        Err(e) => panic!("{ENV_VAR}: {e}"),
    }
}

fn best() -> Level {
    static BEST: OnceLock<Level> = OnceLock::new();
    *BEST.get_or_init(Level::best)
}

/// A vector of `WIDTH` lanes holding elements of type `E`: what a driver loads from a
/// slice, hands to a lane function and stores back.
///
/// Only [`dispatch`] names these types, after checking that the CPU has their level.
pub trait Lanes<E: Element>: Real {
    /// Elements per vector: the lane type's [`Real::LANES`].
    const WIDTH: usize = <Self as Real>::LANES;
    /// Runs `f` compiled with this lane type's CPU features (the driver loops call it).
    fn vectorize<R>(f: impl FnOnce() -> R) -> R;
    /// The first `WIDTH` elements of `src` (which holds at least that many).
    fn load(src: &[E]) -> Self;
    /// Writes the lanes to the first `WIDTH` elements of `dst`.
    fn store(self, dst: &mut [E]);
    /// Whether [`Lanes::store_stream`] bypasses the caches (the x86 lane types); where it
    /// does not, it is [`Lanes::store`] and the drivers never call it.
    const STREAMS: bool = false;
    /// Writes the lanes to the first `WIDTH` elements of `dst` with a non-temporal store:
    /// the line goes to memory without being read first and without evicting the
    /// inputs from the caches. Until [`Lanes::stream_fence`], other threads may not see
    /// it.
    ///
    /// # Panics
    /// If `dst` is not aligned to `WIDTH · size_of::<E>()` bytes (where
    /// [`Lanes::STREAMS`]).
    #[inline(always)]
    fn store_stream(self, dst: &mut [E]) {
        self.store(dst)
    }
    /// Orders every earlier [`Lanes::store_stream`] before the stores that follow it
    /// (x86's `sfence`): a driver calls it before its thread's part counts as done.
    #[inline(always)]
    fn stream_fence() {}
    /// A parameter as the kernels of `E` see it: rounded to `E`, in every lane.
    #[inline(always)]
    fn param(v: f64) -> Self {
        Self::splat(E::from_f64(v).to_f64())
    }
    /// Each lane rounded to `E` (identity when the lanes are of type `E`).
    fn round_element(self) -> Self;
    /// The largest lane (NaN if any lane is NaN).
    fn reduce_max(self) -> f64;
    /// The lanes as `f64` values.
    fn to_f64s(self, out: &mut [f64]);
}

/// Work over slices of `E` that runs with the lane type [`dispatch`] picks.
pub trait LaneTask<E: Element> {
    type Output;
    fn run<L: Lanes<E>>(self) -> Self::Output;
}

/// Runs `task` with the lane type of `level` for elements `E` (`f32` elements in `f32`
/// vectors).
///
/// # Panics
/// If this CPU does not have `level` (check with [`Level::check`]).
#[inline]
pub fn dispatch<E: Element, T: LaneTask<E>>(level: Level, task: T) -> T::Output {
    assert!(level.is_available(), "{}", LevelError::Unavailable(level));
    E::dispatch_task(level, task)
}

/// Like [`dispatch`], but `f32` elements are computed in `f64` vectors (for kernels that
/// need more than single precision between their steps).
#[inline]
pub fn dispatch_wide<E: Element, T: LaneTask<E>>(level: Level, task: T) -> T::Output {
    assert!(level.is_available(), "{}", LevelError::Unavailable(level));
    E::dispatch_task_wide(level, task)
}

/// The largest [`Lanes::WIDTH`] of any lane type.
pub const MAX_WIDTH: usize = 16;

/// Asks the CPU to bring the cache line that holds `data[i]` into L1 ahead of its use (a
/// hint: nothing beyond `data`, and nothing off x86-64). For loops whose next block of
/// input begins a new 4 KiB page, where the hardware prefetchers start cold.
#[inline(always)]
pub fn prefetch<E>(data: &[E], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if i < data.len() {
        // SAFETY: SSE is part of x86-64's baseline, and the address lies inside `data`
        // (a prefetch never faults in any case).
        unsafe {
            use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            _mm_prefetch::<_MM_HINT_T0>(data.as_ptr().add(i).cast::<i8>());
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (data, i);
}
