#pragma once
// Finite stand-ins for "no value here", returned to local optimisers (NLopt's L-BFGS and SLSQP).
// They are finite on purpose: +inf or NaN would poison a line search or SLSQP's quadratic
// subproblem, while a huge finite value only makes the optimiser step back. Callers that report
// a value (a StartResult, a candidate) turn them back into +inf / "no value" before they leave.
namespace mixbo {

// A minimised objective where the model cannot be evaluated (the GP fit's negative log
// posterior where the covariance cannot be factorised). Any value a start reports at or above
// it means the start found nothing.
inline constexpr double kFailedObjective = 1e100;

// A maximised acquisition that is log 0 (no expected improvement, no knowledge gradient) or not
// finite: below every real acquisition value, with a zero gradient.
inline constexpr double kNoAcquisitionValue = -1e300;

}  // namespace mixbo
