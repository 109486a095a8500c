// rollcall console: a small progressive enhancement. Every page works without it; with it,
// copy buttons copy, and destructive forms ask first.

document.documentElement.classList.add('js');

const announcer = document.getElementById('announcer');

/** Says something to screen readers without moving focus. */
function announce(text) {
  if (!announcer) return;
  announcer.textContent = '';
  window.setTimeout(() => {
    announcer.textContent = text;
  }, 50);
}

async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Plain http on another host than localhost has no clipboard API: select, and copy the old way.
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'absolute';
  area.style.left = '-9999px';
  document.body.append(area);
  area.select();
  document.execCommand('copy');
  area.remove();
}

document.addEventListener('click', async (event) => {
  const button = event.target instanceof Element ? event.target.closest('button.copy') : null;
  if (!button) return;
  const target = document.getElementById(button.dataset.copy ?? '');
  if (!target) return;
  const label = button.textContent;
  try {
    await copyText(target.value ?? target.textContent ?? '');
    button.textContent = 'Copied';
    announce('Copied to the clipboard');
  } catch {
    target.focus();
    target.select?.();
    button.textContent = 'Press Ctrl+C';
    announce('Could not copy: the text is selected, press Control C');
  }
  window.setTimeout(() => {
    button.textContent = label;
  }, 2000);
});

document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const question = form.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
