// Number formatting shared by the experiment pages: scores as percentages, differences in points, intervals.

export const KIND_LABELS = {
  image_classification: "Image classification",
  text_classification: "Text classification",
  detection_statistics: "Detection label statistics",
};
export const MODEL_LABELS = {
  logreg: "Logistic regression",
  linear_svm: "Linear SVM",
  knn: "k-nearest neighbours",
  mlp: "Small MLP",
  naive_bayes: "Naive Bayes",
};
export const SPLIT_NAMES = { train: "train", val: "validation", test: "test", unassigned: "unassigned" };

/** 0.9233 → "92.3 %" */
export function percent(value) {
  if (value === null || value === undefined) return "—";
  return `${(100 * value).toFixed(1)} %`;
}

/** A difference of two scores in percentage points: 0.027 → "+2.7", -0.003 → "−0.3". */
export function points(value) {
  if (value === null || value === undefined) return "—";
  const rounded = (100 * value).toFixed(1);
  const text = rounded.replace("-", "−");
  return value > 0 && rounded !== "0.0" ? `+${text}` : text === "−0.0" ? "0.0" : text;
}

/** {estimate, low, high} as "92.3 % [89.0, 95.3]" */
export function scoreWithInterval(interval) {
  if (!interval) return "—";
  return `${percent(interval.estimate)} [${(100 * interval.low).toFixed(1)}, ${(100 * interval.high).toFixed(1)}]`;
}

/** A difference {estimate, low, high} as "+2.7 pts [−0.3, +5.7]" */
export function differenceWithInterval(difference) {
  if (!difference) return "—";
  return `${points(difference.estimate)} pts [${points(difference.low)}, ${points(difference.high)}]`;
}

/** Whether an interval of a difference lies wholly above 0, wholly below, or spans it. */
export function verdict(difference) {
  if (!difference) return "";
  if (difference.low > 0) return "better";
  if (difference.high < 0) return "worse";
  return "unclear";
}

export const VERDICT_TEXT = {
  better: "better than the baseline (the whole interval is above 0)",
  worse: "worse than the baseline (the whole interval is below 0)",
  unclear: "no clear difference (the interval includes 0)",
};
