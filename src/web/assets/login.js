/**
 * The sign-in page: paste an API token, get a session cookie, go back to the page that asked.
 */
import { api } from './api.js';
import { h, problem, replace } from './dom.js';

/** nextPage is where to go once signed in: a path of this site only, never another origin. */
function nextPage() {
  const next = new URLSearchParams(location.search).get('next') ?? '/';
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

const main = document.getElementById('main');
const message = h('div', { class: 'message', 'aria-live': 'polite' });
const input = h('input', {
  id: 'token',
  name: 'token',
  type: 'password',
  autocomplete: 'off',
  spellcheck: 'false',
  required: true,
  placeholder: 'vgt_…',
});
const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
const form = h(
  'form',
  { class: 'signin', id: 'signin' },
  h('h1', {}, 'Sign in'),
  h('label', { for: 'token' }, 'API token'),
  input,
  h('p', { class: 'muted' }, 'Create one with ', h('code', {}, 'vigie token create --role responder'), '.'),
  submit,
  message,
);

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  submit.disabled = true;
  replace(message);
  try {
    await api('/api/v1/session', { method: 'POST', body: { token: input.value.trim() }, signIn: false });
    location.replace(nextPage());
  } catch (error) {
    replace(
      message,
      problem(
        error.status === 401
          ? { message: 'This token is unknown or revoked.', fix: 'Check you pasted it whole.' }
          : error,
      ),
    );
    submit.disabled = false;
    input.focus();
  }
});

replace(main, form);
input.focus();
