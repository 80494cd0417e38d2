import { describe, expect, it } from 'vitest';
import { MemoryBudget } from './memory-budget.ts';

const any = () => true;

describe('MemoryBudget', () => {
  it('reserves while there is room', () => {
    const budget = new MemoryBudget(100);
    expect(budget.reserve('a', 40, any)).toEqual([]);
    expect(budget.reserve('b', 60, any)).toEqual([]);
    expect(budget.usedBytes).toBe(100);
    expect(budget.has('a')).toBe(true);
  });

  it('evicts the least recently used to make room', () => {
    const budget = new MemoryBudget(100);
    budget.reserve('a', 40, any);
    budget.reserve('b', 40, any);
    budget.touch('a');
    expect(budget.reserve('c', 40, any)).toEqual(['b']);
    expect(budget.has('b')).toBe(false);
    expect(budget.usedBytes).toBe(80);
  });

  it('evicts as many as needed, skipping models in use', () => {
    const budget = new MemoryBudget(100);
    budget.reserve('busy', 30, any);
    budget.reserve('idle1', 30, any);
    budget.reserve('idle2', 30, any);
    expect(budget.reserve('big', 70, (id) => id !== 'busy')).toEqual(['idle1', 'idle2']);
    expect(budget.usedBytes).toBe(100);
  });

  it('refuses, evicting nothing, when models in use leave no room', () => {
    const budget = new MemoryBudget(100);
    budget.reserve('busy', 60, any);
    budget.reserve('idle', 20, any);
    expect(() => budget.reserve('big', 50, (id) => id !== 'busy')).toThrow(expect.objectContaining({ code: 'model-unavailable' }));
    expect(budget.has('idle')).toBe(true);
  });

  it('refuses a model larger than the whole budget', () => {
    const budget = new MemoryBudget(2 ** 20);
    expect(() => budget.reserve('huge', 2 ** 21, any)).toThrow('needs about 2 MiB, more than the whole memory budget of 1 MiB');
  });

  it('re-reserving a model replaces its reservation', () => {
    const budget = new MemoryBudget(100);
    budget.reserve('a', 50, any);
    expect(budget.reserve('a', 90, any)).toEqual([]);
    expect(budget.usedBytes).toBe(90);
  });

  it('resizes and releases', () => {
    const budget = new MemoryBudget(100);
    budget.reserve('a', 80, any);
    budget.resize('a', 30);
    budget.resize('unknown', 30);
    expect(budget.usedBytes).toBe(30);
    budget.release('a');
    expect(budget.usedBytes).toBe(0);
  });
});
