//! 10,000 generated Deployments through `check_manifests`.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};
use customs_misconfig::{check_manifests, Options};

fn deployments(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&format!(
            "---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  namespace: ns-{ns}
  labels: {{app: app-{i}}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: app-{i}}}
  template:
    metadata:
      labels: {{app: app-{i}, tier: web}}
    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        seccompProfile: {{type: RuntimeDefault}}
      containers:
        - name: web
          image: ghcr.io/acme/web:1.{i}
          ports: [{{containerPort: 8080}}]
          env:
            - {{name: LOG_LEVEL, value: info}}
            - {{name: DB_PASSWORD, valueFrom: {{secretKeyRef: {{name: db, key: pw}}}}}}
          resources:
            requests: {{cpu: 100m, memory: 128Mi}}
            limits: {{cpu: 500m, memory: 256Mi}}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {{drop: [ALL]}}
        - name: sidecar
          image: busybox
          securityContext: {{privileged: {privileged}}}
",
            ns = i % 50,
            privileged = i % 7 == 0,
        ));
    }
    s
}

fn bench(c: &mut Criterion) {
    let text = deployments(10_000);
    let opts = Options::default();
    let mut group = c.benchmark_group("manifests");
    group.sample_size(10);
    group.bench_function("check_manifests 10k deployments", |b| {
        b.iter(|| check_manifests("bench.yaml", &text, &opts));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
