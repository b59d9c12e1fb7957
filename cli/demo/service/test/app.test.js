import assert from 'node:assert/strict';
import { test } from 'node:test';
import { greet } from '../app.js';

test('greets the world by default', () => {
  assert.equal(greet(), 'Hello, world!');
});

test('greets by name in French', () => {
  assert.equal(greet('Ada', 'fr'), 'Bonjour, Ada!');
});

test('refuses an unknown language', () => {
  assert.throws(() => greet('Ada', 'xx'), /unknown language/);
});
