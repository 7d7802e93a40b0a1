"""CPU baselines for "did augmentation help?": features, a small model zoo, metrics and a paired bootstrap.

A library with no Django in it (like `augmentation/engine/`): functions on numpy arrays, strings and plain
dataclasses, so every number an experiment reports can be recomputed from the arrays alone.

    from experiments.baselines import features, models, metrics, bootstrap

    X_train = features.image_matrix(train_images)
    run = models.fit_predict(models.make_classifier("image_classification", "logreg", seed=0, n_train=len(y)),
                             X_train, y_train, features.image_matrix(eval_images))
    report = metrics.classification_report(y_eval, run.predictions, n_classes=K)
"""
