import '@mantine/core/styles.css';
import '../shared/app.css';
import { RouterProvider } from '@tanstack/react-router';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { makeQueryClient, Providers } from '../shared/Providers';
import { makeRouter } from './router';

const queryClient = makeQueryClient();
const router = makeRouter(queryClient);

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <Providers client={queryClient}>
      <RouterProvider router={router} />
    </Providers>
  </StrictMode>,
);
