import { mount } from 'svelte';
import App from './App.svelte';
import '../../src/app.css';
import './admin.css';

const target = document.getElementById('app');
if (!target) throw new Error('no #app element');
mount(App, { target });
