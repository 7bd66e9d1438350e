// Search-as-you-type for the Hub id field: an ARIA 1.2 combobox whose
// listbox holds the Hub's model search results (most downloaded first).
// Debounced; a new keystroke cancels the search in flight. Option text goes
// in with textContent only.
import {fill, h} from './dom.js';
import {formatCount} from './format.js';

export const SEARCH_DEBOUNCE_MS = 250;

/**
 * input: the text field; list: an empty <ul>; status: a <p> for search
 * failures; getHub(): the current Hub client; onPick(id): a result chosen;
 * onExact(id): the typed text is exactly a result's id.
 */
export function createModelSearch({input, list, status, getHub, onPick, onExact = () => {}}) {
  let timer = null;
  let controller = null;
  let results = [];
  let active = -1;

  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('aria-controls', list.id);
  list.setAttribute('role', 'listbox');
  list.hidden = true;

  function setActive(i) {
    active = i;
    for (const [n, li] of [...list.children].entries())
      li.setAttribute('aria-selected', String(n === i));
    if (i >= 0) {
      input.setAttribute('aria-activedescendant', list.children[i].id);
      list.children[i].scrollIntoView?.({block: 'nearest'});
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  function close() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    setActive(-1);
  }

  function render() {
    fill(
      list,
      results.map((m, i) => {
        const bits = [
          m.pipeline_tag,
          m.downloads !== null ? `${formatCount(m.downloads)} downloads` : '',
          m.gated ? 'gated' : '',
        ]
          .filter(Boolean)
          .join(' · ');
        const li = h(
          'li',
          {id: `model-opt-${i}`, role: 'option', 'aria-selected': 'false', 'data-id': m.id},
          h('span', {class: 'opt-id'}, m.id),
          bits ? h('span', {class: 'muted opt-meta'}, ` ${bits}`) : null,
        );
        li.addEventListener('mousedown', (e) => e.preventDefault()); // keep focus in the field
        li.addEventListener('click', () => pick(i));
        return li;
      }),
    );
    const open = results.length > 0 && document.activeElement === input;
    list.hidden = !open;
    input.setAttribute('aria-expanded', String(open));
    setActive(-1);
  }

  function pick(i) {
    const m = results[i];
    if (!m) return;
    input.value = m.id;
    close();
    onPick(m.id);
  }

  async function run(query) {
    controller?.abort();
    controller = new AbortController();
    const mine = controller;
    try {
      results = await getHub().search(query, {signal: mine.signal});
      if (mine.signal.aborted) return;
      status.textContent = results.length ? '' : `No Hub models match "${query}".`;
      render();
      const exact = results.find((m) => m.id === input.value.trim());
      if (exact) onExact(exact.id);
    } catch (e) {
      if (mine.signal.aborted) return;
      results = [];
      render();
      status.textContent = `Model search unavailable: ${e.message}`;
    }
  }

  function onInput() {
    clearTimeout(timer);
    controller?.abort();
    const q = input.value.trim();
    status.textContent = '';
    // Stale results must not answer Enter for the new text.
    results = [];
    close();
    if (q.length < 2) return;
    timer = setTimeout(() => run(q), SEARCH_DEBOUNCE_MS);
  }

  /** Handles a keydown of the field; true when it was a combobox key. */
  function onKey(e) {
    const open = !list.hidden && results.length > 0;
    if (e.key === 'ArrowDown' && results.length) {
      e.preventDefault();
      if (list.hidden) {
        list.hidden = false;
        input.setAttribute('aria-expanded', 'true');
      }
      setActive((active + 1) % results.length);
      return true;
    }
    if (e.key === 'ArrowUp' && open) {
      e.preventDefault();
      setActive(active <= 0 ? results.length - 1 : active - 1);
      return true;
    }
    if (e.key === 'Enter' && open && active >= 0) {
      e.preventDefault();
      pick(active);
      return true;
    }
    if (e.key === 'Escape' && open) {
      e.preventDefault();
      close();
      return true;
    }
    return false;
  }

  input.addEventListener('input', onInput);
  input.addEventListener('blur', close);
  return {
    onKey,
    close,
    cancel: () => {
      clearTimeout(timer);
      controller?.abort();
    },
  };
}
