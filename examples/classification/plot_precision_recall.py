"""
Precision and recall against the threshold
==========================================

``predict`` calls a sample positive when its probability exceeds one half,
but that threshold is a choice. Raising it makes the positive predictions
more reliable (higher *precision*) and finds fewer of the positives (lower
*recall*). This example computes both from ``predict_proba`` on held-out
breast cancer data and plots them against the threshold.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import precision_recall_curve
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklogreg import ScratchLogisticRegression

data = load_breast_cancer()
# Make "malignant" the positive class: in the data set it is class 0.
X, y = data.data, (data.target == 0).astype(int)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.4, stratify=y, random_state=0
)

model = make_pipeline(StandardScaler(), ScratchLogisticRegression(C=0.1))
model.fit(X_train, y_train)
proba = model.predict_proba(X_test)[:, 1]  # probability of "malignant"

precision, recall, thresholds = precision_recall_curve(y_test, proba)

fig, ax = plt.subplots(figsize=(7, 4.5))
# precision and recall have one more entry than thresholds (the end point).
ax.plot(thresholds, precision[:-1], label="precision")
ax.plot(thresholds, recall[:-1], label="recall")
ax.axvline(0.5, color="grey", linestyle="--", linewidth=1, label="predict's threshold")
ax.set_xlabel("threshold on the predicted probability of malignancy")
ax.set_ylabel("score")
ax.set_ylim(0, 1.05)
ax.set_title("Precision and recall on the test set")
ax.legend(loc="lower left")
fig.tight_layout()
plt.show()

# %%
# For a screening test, missing a malignant tumour costs more than a false
# alarm, so one would choose a threshold below one half and trade precision
# for recall. Here is the largest threshold that keeps the recall at 99 %
# or above:
candidates = thresholds[recall[:-1] >= 0.99]
if len(candidates):
    chosen = candidates.max()
    predicted = proba >= chosen
    hits = (predicted & (y_test == 1)).sum()
    print(
        f"threshold {chosen:.3f}: {predicted.sum()} predicted malignant, "
        f"{hits} of the {y_test.sum()} malignant tumours found, "
        f"precision {hits / predicted.sum():.1%}"
    )
