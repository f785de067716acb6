<?php
/*
 * Test-only must-use plugin: makes this WordPress fail on demand, so that Presswork's tests see
 * real WordPress answers around the faults. WP_CONTENT_DIR/faults.json holds a list of
 *   {"method": "POST", "route": "#^/wp/v2/posts/\\d+$#", "status": 500, "sleep": 0, "times": 1}
 * A request matching method and route (a PCRE on the REST route) uses up one of `times`: it
 * sleeps `sleep` seconds, then fails with `status`, or (no status) goes on normally, which makes a
 * slow WordPress whose work still happens after the client gave up.
 */
add_filter('rest_pre_dispatch', function ($result, $server, $request) {
    $file = WP_CONTENT_DIR . '/faults.json';
    if (!file_exists($file)) {
        return $result;
    }
    $handle = fopen($file, 'c+');
    flock($handle, LOCK_EX);
    $faults = json_decode(stream_get_contents($handle), true) ?: [];
    $hit = null;
    foreach ($faults as $index => $fault) {
        if ($fault['method'] === $request->get_method() && preg_match($fault['route'], $request->get_route())) {
            $hit = $fault;
            $faults[$index]['times'] -= 1;
            if ($faults[$index]['times'] <= 0) {
                array_splice($faults, $index, 1);
            }
            ftruncate($handle, 0);
            rewind($handle);
            fwrite($handle, json_encode(array_values($faults)));
            break;
        }
    }
    flock($handle, LOCK_UN);
    fclose($handle);
    if ($hit === null) {
        return $result;
    }
    if (!empty($hit['sleep'])) {
        sleep($hit['sleep']);
    }
    if (!empty($hit['status'])) {
        return new WP_Error('presswork_injected_fault', 'fault injected by the test', ['status' => $hit['status']]);
    }
    return $result;
}, 10, 3);
