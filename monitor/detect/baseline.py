"""Expected counts and the upper-tail test, after Farrington / Noufaily outbreak detection.

Why this model: daily complaint counts have a weekly rhythm (reviews pile up on Mondays,
social posts on weekdays), are over-dispersed (news days, app releases) and contain past
incidents. A quasi-Poisson GLM with a day-of-week factor and an optional linear trend
handles the first two; the Farrington re-weighting (Noufaily et al. 2013: Anscombe residuals
above 2.58 get weight s⁻²) stops an old spike from inflating the baseline and masking the next.

The p-value is the upper tail of a negative binomial matched to the *predictive* mean and
variance (dispersion × mean, plus the uncertainty of the fitted mean), so a short or noisy
history asks for stronger evidence.

The model shrinks with the data: a series averaging under one complaint a day cannot support
seven day-of-week levels, so sparse series fall back to weekday/weekend or a flat mean.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import statsmodels.api as sm
from scipy import stats
from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

#: Anscombe residuals above this are treated as past incidents and down-weighted.
OUTLIER_RESIDUAL = 2.58
#: A fitted trend is kept only when significant at this level (as in Farrington).
TREND_ALPHA = 0.05
#: Minimum mean daily count for a full day-of-week factor, and for weekday/weekend.
DOW_MIN_MEAN = 1.0
WEEKEND_MIN_MEAN = 0.3
#: The dispersion used is the upper bound of this one-sided confidence level's interval.
DISPERSION_CONFIDENCE = 0.1
#: Weight of the brand-level α prior, in the units of Σμ²: eight weeks at two a day.
PRIOR_INFO = 56 * 2.0**2
#: A linear trend needs this many days of history.
TREND_MIN_DAYS = 28


@dataclass
class Expectation:
    """The baseline's verdict on one observed count."""

    expected: float  # expected count in the window
    variance: float  # predictive variance of the count
    dispersion: float  # quasi-Poisson dispersion (>= 1)
    alpha: float  # NB2 over-dispersion (Var = μ + αμ²)
    p_value: float  # P(count >= observed) under the baseline
    model: str  # which terms were used: "dow+trend", "dow", "weekend", "flat", "empty"
    history_days: int
    downweighted: list[date] = field(default_factory=list)  # past incidents in the baseline
    alpha_raw: float = 0.0  # α before the caution factor (the prior for other series)

    def as_dict(self) -> dict:
        return {
            "expected": round(self.expected, 4),
            "variance": round(self.variance, 4),
            "dispersion": round(self.dispersion, 4),
            "nb_alpha": round(self.alpha, 4),
            "p_value": self.p_value,
            "model": self.model,
            "history_days": self.history_days,
            "downweighted_days": [d.isoformat() for d in self.downweighted],
        }


def _design(days: Sequence[date], ref: date, terms: str, trend: bool) -> np.ndarray:
    """Columns: intercept, season (7-level day of week or weekend flag), trend in weeks."""
    dow = np.array([d.weekday() for d in days])
    cols = [np.ones(len(days))]
    if terms == "dow":
        cols += [(dow == k).astype(float) for k in range(1, 7)]
    elif terms == "weekend":
        cols.append((dow >= 5).astype(float))
    if trend:
        cols.append(np.array([(d - ref).days / 7.0 for d in days]))
    return np.column_stack(cols)


def _fit(y: np.ndarray, X: np.ndarray, weights: np.ndarray | None = None):
    """Quasi-Poisson fit (Pearson χ² scale). A series the model fits exactly (the same count
    every day) has a scale of 0, on which statsmodels fails: it is fitted with scale 1 — no
    over-dispersion — instead."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (ConvergenceWarning, PerfectSeparationWarning, RuntimeWarning))
        model = sm.GLM(y, X, family=sm.families.Poisson(), var_weights=weights)
        try:
            return model.fit(scale="X2")
        except ValueError:
            return model.fit(scale=1.0)


def _season_terms(y: np.ndarray) -> str:
    mean = float(y.mean())
    if mean >= DOW_MIN_MEAN and len(y) >= 14:
        return "dow"
    if mean >= WEEKEND_MIN_MEAN and len(y) >= 14:
        return "weekend"
    return "flat"


def _nb_alpha(y: np.ndarray, mu: np.ndarray, w: np.ndarray, hat: np.ndarray) -> float:
    """Moment estimate of the NB2 over-dispersion α in Var = μ + αμ² (Cameron & Trivedi's
    auxiliary regression without intercept), from the fitted baseline; residuals are divided
    by (1 - leverage) because fitted values sit closer to the data than the true means."""
    num = float(np.sum(w * ((y - mu) ** 2 / (1 - hat) - y)))
    den = float(np.sum(w * mu * mu))
    return max(num / den, 0.0) if den > 0 else 0.0


def _upper_tail(observed: float, mean: float, variance: float) -> float:
    """P(Y >= observed) for a count with this mean and variance (NB, or Poisson if not
    over-dispersed)."""
    if observed <= 0:
        return 1.0
    k = np.ceil(observed) - 1
    if variance > mean * (1 + 1e-9):
        r = mean * mean / (variance - mean)
        return float(stats.nbinom.sf(k, r, r / (r + mean)))
    return float(stats.poisson.sf(k, mean))


def expect(
    y: np.ndarray,
    days: Sequence[date],
    coverage: Sequence[tuple[date, float]],
    observed: float,
    *,
    alpha_prior: float | None = None,
) -> Expectation:
    """Fit the baseline on daily counts ``y`` (one per day in ``days``) and test ``observed``,
    the count in a window covering ``coverage`` [(local day, share of that day)].

    ``alpha_prior``: the brand total's over-dispersion; a sparse series' own estimate is
    shrunk towards it (a few complaints a day say little about α)."""
    y = np.asarray(y, dtype=float)
    n = len(y)
    ref = coverage[0][0]
    if y.sum() == 0:
        # Never seen: half a count over the whole history (Jeffreys-style), Poisson.
        share = sum(f for _, f in coverage)
        mean = 0.5 / max(n, 1) * share
        return Expectation(mean, mean, 1.0, 0.0, _upper_tail(observed, mean, mean), "empty", n)

    terms = _season_terms(y)
    trend = n >= TREND_MIN_DAYS
    X = _design(days, ref, terms, trend)
    res = _fit(y, X)
    if trend and (not np.isfinite(res.pvalues[-1]) or res.pvalues[-1] > TREND_ALPHA):
        trend, X = False, X[:, :-1]
        res = _fit(y, X)

    # Farrington / Noufaily re-weighting of past incidents.
    phi = max(float(res.scale), 1.0)
    hat = np.clip(res.get_hat_matrix_diag(), 0, 0.999)
    s = res.resid_anscombe_unscaled / np.sqrt(phi * (1 - hat))
    weights = np.where(s > OUTLIER_RESIDUAL, 1.0 / np.maximum(s, 1e-9) ** 2, 1.0)
    outliers = [d for d, w in zip(days, weights) if w < 1]
    if outliers:
        weights = weights * n / weights.sum()
        res = _fit(y, X, weights)

    Xw = _design([d for d, _ in coverage], ref, terms, trend)
    if trend:
        # Farrington's guard: a trend that predicts beyond anything seen is not trusted.
        # And a falling trend is not extrapolated: over a few weeks it is mostly an old
        # incident at the start of the baseline, and predicting too low means false alarms
        # (predicting too high only delays an alert by a day).
        mu_check = np.exp(Xw @ res.params)
        if res.params[-1] < 0 or np.any(mu_check > y.max()):
            trend, X, Xw = False, X[:, :-1], Xw[:, :-1]
            res = _fit(y, X, weights if outliers else None)
    # Dispersion estimated from a few weeks is itself uncertain; an optimistic estimate is
    # what turns ordinary noise into alerts. Use its upper confidence bound instead.
    df = max(float(res.df_resid), 1.0)
    caution = df / stats.chi2.ppf(DISPERSION_CONFIDENCE, df)
    phi = max(float(res.scale) * caution, 1.0)
    hat = np.clip(res.get_hat_matrix_diag(), 0, 0.999)
    w = weights if outliers else np.ones(n)
    alpha_raw = _nb_alpha(y, res.fittedvalues, w, hat)
    if alpha_prior is not None:
        info = float(np.sum(w * res.fittedvalues**2))  # what the series knows about α
        alpha_raw = (info * alpha_raw + PRIOR_INFO * alpha_prior) / (info + PRIOR_INFO)
    alpha = alpha_raw * caution
    eta = Xw @ res.params
    mu_days = np.exp(eta)
    share = np.array([f for _, f in coverage])
    mean = float((share * mu_days).sum())
    cov = np.asarray(res.cov_params())
    var_eta = float(max(np.einsum("ij,jk,ik->i", Xw, cov, Xw).max(), 0.0))
    # Negative binomial (NB2) variance μ + αμ²: day-to-day noise is multiplicative (news
    # days, releases), so busy series vary with the square of their level while sparse ones
    # stay near Poisson. (Mapping the quasi-Poisson φμ onto a NB instead would give sparse
    # series a geometric tail that hides real incidents.) Plus the fitted mean's uncertainty.
    variance = mean + alpha * mean * mean + mean * mean * var_eta
    model = terms + ("+trend" if trend else "")
    return Expectation(
        mean,
        variance,
        phi,
        alpha,
        _upper_tail(observed, mean, variance),
        model,
        n,
        outliers,
        alpha_raw,
    )
