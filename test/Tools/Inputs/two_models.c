/* Links two generated models into one program: every exported symbol
 * carries its model's name, so they cannot clash. Each model's logits and
 * loss are checked against the same network computed here with loops in
 * double precision, from the parameters read back from its instance. */
#include "fashion_mnist_cnn.h"
#include "fashion_mnist_mlp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { B = 2, C = 10 };

typedef credo_status (*GetParam)(void *, const char *, void *, size_t);

/* Parameters read back; freed at the end. */
static double *params[16];
static int numParams;

static double *param(GetParam get, void *m, const char *name, size_t n) {
  float *f = malloc(n * sizeof(float));
  double *d = params[numParams++] = malloc(n * sizeof(double));
  if (get(m, name, f, n * sizeof(float)) != CREDO_OK) {
    fprintf(stderr, "get_param %s: %s\n", name, credo_last_error());
    exit(1);
  }
  for (size_t i = 0; i < n; ++i)
    d[i] = f[i];
  free(f);
  return d;
}

/* y[B, out] = relu?(x[B, in] · w[in, out] + b) */
static void dense(const double *x, int in, const double *w, const double *b,
                  int out, int relu, double *y) {
  for (int r = 0; r < B; ++r)
    for (int o = 0; o < out; ++o) {
      double acc = b[o];
      for (int i = 0; i < in; ++i)
        acc += x[r * in + i] * w[i * out + o];
      y[r * out + o] = relu && acc < 0 ? 0 : acc;
    }
}

/* relu(conv5x5(x[B, ci, s, s], padding 2) + b) then 2x2 max pooling:
 * y[B, co, s/2, s/2]. */
static void convReluPool(const double *x, int ci, int s, const double *w,
                         const double *b, int co, double *y) {
  double *c = malloc(sizeof(double) * B * co * s * s);
  for (int n = 0; n < B; ++n)
    for (int o = 0; o < co; ++o)
      for (int i = 0; i < s; ++i)
        for (int j = 0; j < s; ++j) {
          double acc = b[o];
          for (int k = 0; k < ci; ++k)
            for (int p = 0; p < 5; ++p)
              for (int q = 0; q < 5; ++q) {
                int r = i + p - 2, t = j + q - 2;
                if (r >= 0 && r < s && t >= 0 && t < s)
                  acc += x[((n * ci + k) * s + r) * s + t] *
                         w[((o * ci + k) * 5 + p) * 5 + q];
              }
          c[((n * co + o) * s + i) * s + j] = acc < 0 ? 0 : acc;
        }
  int h = s / 2;
  for (int n = 0; n < B * co; ++n)
    for (int i = 0; i < h; ++i)
      for (int j = 0; j < h; ++j) {
        double m = c[(n * s + 2 * i) * s + 2 * j];
        for (int p = 0; p < 2; ++p)
          for (int q = 0; q < 2; ++q) {
            double v = c[(n * s + 2 * i + p) * s + 2 * j + q];
            m = v > m ? v : m;
          }
        y[(n * h + i) * h + j] = m;
      }
  free(c);
}

/* Largest |logit - reference| and |loss - reference loss|. */
static int compare(const char *name, const float *logits, float loss,
                   const double *ref, const int32_t *labels) {
  double worst = 0, refLoss = 0;
  for (int r = 0; r < B; ++r) {
    double mx = ref[r * C], sum = 0;
    for (int c = 0; c < C; ++c)
      mx = ref[r * C + c] > mx ? ref[r * C + c] : mx;
    for (int c = 0; c < C; ++c) {
      sum += exp(ref[r * C + c] - mx);
      double e = fabs(ref[r * C + c] - logits[r * C + c]);
      worst = e > worst ? e : worst;
    }
    refLoss += (log(sum) + mx - ref[r * C + labels[r]]) / B;
  }
  printf("%s loss %.4f: logits max error %.1e, loss error %.1e\n", name, loss,
         worst, fabs(refLoss - loss));
  return worst > 1e-4 || fabs(refLoss - loss) > 1e-5;
}

int main(void) {
  fashion_mnist_mlp_model *mlp = 0;
  fashion_mnist_cnn_model *cnn = 0;
  if (fashion_mnist_mlp_create(&mlp) != CREDO_OK ||
      fashion_mnist_cnn_create(&cnn) != CREDO_OK) {
    fprintf(stderr, "create failed: %s\n", credo_last_error());
    return 1;
  }
  static float x[B * 784], logits[B * C];
  static double xd[B * 784], h1[B * 256], h2[B * 256], ref[B * C];
  static double p1[B * 32 * 14 * 14], p2[B * 64 * 7 * 7];
  int32_t labels[B] = {3, 7};
  float loss = 0;
  int bad = 0;
  for (int i = 0; i < B * 784; ++i)
    xd[i] = x[i] = (float)(i % 17) / 17.0f;

  if (fashion_mnist_mlp_forward(mlp, x, labels, logits, &loss) != CREDO_OK)
    return 2;
  GetParam getMlp = (GetParam)fashion_mnist_mlp_get_param;
  dense(xd, 784, param(getMlp, mlp, "fc1_w", 784 * 256),
        param(getMlp, mlp, "fc1_b", 256), 256, 1, h1);
  dense(h1, 256, param(getMlp, mlp, "fc2_w", 256 * 256),
        param(getMlp, mlp, "fc2_b", 256), 256, 1, h2);
  dense(h2, 256, param(getMlp, mlp, "fc3_w", 256 * C),
        param(getMlp, mlp, "fc3_b", C), C, 0, ref);
  bad += compare("mlp", logits, loss, ref, labels);

  if (fashion_mnist_cnn_forward(cnn, x, labels, logits, &loss) != CREDO_OK)
    return 3;
  GetParam getCnn = (GetParam)fashion_mnist_cnn_get_param;
  convReluPool(xd, 1, 28, param(getCnn, cnn, "conv1_w", 32 * 25),
               param(getCnn, cnn, "conv1_b", 32), 32, p1);
  convReluPool(p1, 32, 14, param(getCnn, cnn, "conv2_w", 64 * 32 * 25),
               param(getCnn, cnn, "conv2_b", 64), 64, p2);
  dense(p2, 3136, param(getCnn, cnn, "fc_w", 3136 * C),
        param(getCnn, cnn, "fc_b", C), C, 0, ref);
  bad += compare("cnn", logits, loss, ref, labels);

  /* A null model is an error, not a crash. */
  if (fashion_mnist_mlp_forward(0, x, labels, logits, &loss) !=
      CREDO_ERR_INVALID_ARGUMENT)
    return 4;
  fashion_mnist_mlp_destroy(mlp);
  fashion_mnist_cnn_destroy(cnn);
  for (int i = 0; i < numParams; ++i)
    free(params[i]);
  printf(bad ? "MISMATCH\n" : "ok\n");
  return bad != 0;
}
