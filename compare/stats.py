"""Statistics of compare/report.py (standard library only).

A row of the report compares n rounds of a kernel with m rounds of its baseline. The figure is the
ratio of their geometric means; its confidence interval comes from Welch's t on the logarithms
(rounds independent, unequal variances), so a row with few or noisy rounds gets a wide interval
and no verdict it cannot support. The verdict follows mmtests' compare-kernels in spirit: a change
is significant when the interval excludes no change, and it is a regression only when the whole
interval lies beyond the threshold."""
import math
import statistics

LEVEL = 0.95


def _betacf(a, b, x):
    """Continued fraction of the regularised incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        for num in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                    -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-14:
            break
    return h


def betainc(a, b, x):
    """I_x(a, b), the regularised incomplete beta function, for 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    lg = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(lg) * _betacf(a, b, x) / a
    return 1.0 - math.exp(lg) * _betacf(b, a, 1.0 - x) / b


def t_cdf(t, df):
    """P(T <= t) for Student's t with df (real, > 0) degrees of freedom."""
    p = 0.5 * betainc(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - p if t > 0 else p


def t_quantile(p, df):
    """The t with P(T <= t) = p (0.5 <= p < 1), by bisection."""
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        hi *= 2.0
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


def ratio_interval(base, vals, level=LEVEL):
    """Ratio of the geometric mean of vals to that of base, and its two-sided confidence interval
    (Welch's t on the logs). -> (ratio, low, high); low = high = ratio when either side has fewer
    than two rounds or both have no spread (no interval can be given)."""
    lb = [math.log(v) for v in base if v > 0 and v == v]
    lv = [math.log(v) for v in vals if v > 0 and v == v]
    if not lb or not lv:
        nan = float("nan")
        return nan, nan, nan
    d = statistics.fmean(lv) - statistics.fmean(lb)
    if len(lb) < 2 or len(lv) < 2:
        return math.exp(d), math.exp(d), math.exp(d)
    vb, vv = statistics.variance(lb) / len(lb), statistics.variance(lv) / len(lv)
    se2 = vb + vv
    if se2 == 0.0:
        return math.exp(d), math.exp(d), math.exp(d)
    # Welch-Satterthwaite degrees of freedom
    df = se2 * se2 / ((vb * vb / (len(lb) - 1) if vb else 0.0) + (vv * vv / (len(lv) - 1) if vv else 0.0))
    h = t_quantile(0.5 + level / 2.0, df) * math.sqrt(se2)
    return math.exp(d), math.exp(d - h), math.exp(d + h)


def verdict(lo, hi, threshold):
    """Verdict of a change whose interval is [lo, hi] in percent, signed so that negative is worse:
    "WORSE" / "BETTER" when the whole interval is beyond -threshold / +threshold, "worse" / "better"
    when it excludes 0 but not the threshold (a real change, smaller than the threshold), else "=".
    """
    if lo != lo or hi != hi:
        return "-"
    if hi < -threshold:
        return "WORSE"
    if lo > threshold:
        return "BETTER"
    if hi < 0.0:
        return "worse"
    if lo > 0.0:
        return "better"
    return "="
